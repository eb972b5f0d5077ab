"""The `routing` consumer: routing's queue events fill the replica; call events drive presence and workload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents.repository import locked_agent
from frontdoor_agents.context import AgentsContext
from frontdoor_agents.hours.service import upsert_queue
from frontdoor_agents.models import Agent, CallRecord
from frontdoor_agents.presence.service import apply
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.routing import (
    CallAnswered,
    CallCompleted,
    CallSnapshot,
    CallTransferred,
    CallWrapUp,
    OfferWithdrawn,
    QueueUpserted,
)
from frontdoor_common.logging import get_logger

log = get_logger(__name__)


async def _agent(session: AsyncSession, tenant: str, call: CallSnapshot) -> Agent | None:
    if call.agent_id is None:
        return None
    agent = await locked_agent(session, call.agent_id)  # the presence decided below is from the stored row
    if agent is None or agent.tenant_id != tenant:
        log.info("call event for an agent we do not know", agent_id=str(call.agent_id), call_id=str(call.call_id))
        return None
    return agent


async def _record(session: AsyncSession, agent: Agent, call: CallSnapshot) -> None:
    row = await session.get(CallRecord, call.call_id)
    if row is None:
        row = CallRecord(call_id=call.call_id, tenant_id=agent.tenant_id, agent_id=agent.id)
    row.agent_id = agent.id
    row.team_id = call.agent_team_id or agent.team_id
    row.queue_id = call.queue_id
    row.answered_at = call.answered_at or row.answered_at
    row.completed_at = call.completed_at or row.completed_at
    row.talk_seconds = call.talk_seconds if call.talk_seconds is not None else row.talk_seconds
    row.wrapup_seconds = call.wrapup_seconds if call.wrapup_seconds is not None else row.wrapup_seconds
    session.add(row)


def _over(record: CallRecord | None) -> bool:
    """Whether the call is already known to be completed: a conversation event arriving after
    that is late (after a broker restarted empty, the relay re-publishes the older events
    behind the ones it sent meanwhile, so `answered` can come after `completed`)."""
    return record is not None and record.completed_at is not None


def _stale(agent: Agent, moment: datetime | None) -> bool:
    """Whether the agent's status changed after the call event's moment (a late event must not
    undo what the agent set since, e.g. going on a break right after the call)."""
    return moment is not None and agent.presence_since is not None and agent.presence_since > moment


def build_router(ctx: AgentsContext) -> EventRouter:
    """The handlers of the `routing` consumer."""
    router = EventRouter()
    notifier = ctx.notifier

    def _at(*candidates: datetime | None, envelope: Envelope) -> datetime:
        return next((c for c in candidates if c is not None), envelope.time)

    @router.on(QueueUpserted.name)
    async def queue_upserted(session: AsyncSession, envelope: Envelope) -> None:
        q = QueueUpserted.parse(envelope).queue
        await upsert_queue(session, envelope.tenant, q.queue_id, q.name, q.active, ctx.clock.now())
        ctx.wake_scheduler_after_commit(session)

    async def follow(
        session: AsyncSession,
        envelope: Envelope,
        call: CallSnapshot,
        moves: Callable[[str], bool],
        to: str,
        moment: datetime | None,
        *,
        late_after_completion: bool = False,
    ) -> None:
        """Record the call for the workload, and move its agent `to` a presence if `moves` says their
        current one follows the call (a change of theirs after the call's `moment` is never undone,
        and with `late_after_completion` neither is the completion of the call itself)."""
        agent = await _agent(session, envelope.tenant, call)
        if agent is None:
            return
        late = late_after_completion and _over(await session.get(CallRecord, call.call_id))
        await _record(session, agent, call)
        if late:
            log.info("call event after the call's completion; presence left as it is", call_id=str(call.call_id))
            return
        if moves(agent.presence) and not _stale(agent, moment):
            await apply(session, notifier, agent, to, None, _at(moment, envelope=envelope))

    @router.on(CallAnswered.name)
    async def answered(session: AsyncSession, envelope: Envelope) -> None:
        call = CallAnswered.parse(envelope).call
        await follow(
            session, envelope, call, lambda p: p != "on_call", "on_call", call.answered_at, late_after_completion=True
        )

    @router.on(CallWrapUp.name)
    async def wrap_up(session: AsyncSession, envelope: Envelope) -> None:
        call = CallWrapUp.parse(envelope).call
        await follow(
            session, envelope, call, lambda p: p == "on_call", "wrap_up", call.talk_ended_at, late_after_completion=True
        )

    @router.on(CallCompleted.name)
    async def completed(session: AsyncSession, envelope: Envelope) -> None:
        call = CallCompleted.parse(envelope).call
        # Someone who went away or logged out meanwhile stays so.
        await follow(session, envelope, call, lambda p: p in ("on_call", "wrap_up"), "available", call.completed_at)

    @router.on(CallTransferred.name)
    async def transferred(session: AsyncSession, envelope: Envelope) -> None:
        # The transferring agent's conversation is over (routing holds them for the queue's
        # wrap-up itself); the call goes on with someone else.
        event = CallTransferred.parse(envelope)
        if event.from_agent_id is None or event.call.agent_id == event.from_agent_id:
            return  # a transfer out to a number: wrap-up and completion events follow for this agent
        agent = await locked_agent(session, event.from_agent_id)
        if agent is None or agent.tenant_id != envelope.tenant:
            return
        if agent.presence == "on_call" and not _stale(agent, envelope.time):
            await apply(session, notifier, agent, "available", None, envelope.time)

    @router.on(OfferWithdrawn.name)
    async def withdrawn(session: AsyncSession, envelope: Envelope) -> None:
        event = OfferWithdrawn.parse(envelope)
        if event.reason != "timeout":
            return
        agent = await locked_agent(session, event.agent_id)
        if agent is None or agent.tenant_id != envelope.tenant or agent.presence != "available":
            return
        await apply(session, notifier, agent, "away", "not_responding", envelope.time)

    return router
