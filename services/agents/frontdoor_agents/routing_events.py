"""The `routing` consumer: routing's queue events fill the replica; call events drive presence and workload."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.deps import wake_scheduler_after_commit
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
from frontdoor_common.service import Runtime

log = get_logger(__name__)


async def _agent(session: AsyncSession, tenant: str, call: CallSnapshot) -> Agent | None:
    if call.agent_id is None:
        return None
    agent = await session.get(Agent, call.agent_id)
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


def _stale(agent: Agent, moment: datetime | None) -> bool:
    """Whether the agent's status changed after the call event's moment (a late event must not
    undo what the agent set since, e.g. going on a break right after the call)."""
    return moment is not None and agent.presence_since is not None and agent.presence_since > moment


def build_router(runtime: Runtime) -> EventRouter:
    """The handlers of the `routing` consumer."""
    router = EventRouter()

    def _at(*candidates: datetime | None, envelope: Envelope) -> datetime:
        return next((c for c in candidates if c is not None), envelope.time)

    @router.on(QueueUpserted.name)
    async def queue_upserted(session: AsyncSession, envelope: Envelope) -> None:
        q = QueueUpserted.parse(envelope).queue
        await upsert_queue(session, envelope.tenant, q.queue_id, q.name, q.active)
        wake_scheduler_after_commit(session, runtime)

    @router.on(CallAnswered.name)
    async def answered(session: AsyncSession, envelope: Envelope) -> None:
        call = CallAnswered.parse(envelope).call
        agent = await _agent(session, envelope.tenant, call)
        if agent is None:
            return
        await _record(session, agent, call)
        if agent.presence != "on_call" and not _stale(agent, call.answered_at):
            await apply(session, runtime, agent, "on_call", None, _at(call.answered_at, envelope=envelope))

    @router.on(CallWrapUp.name)
    async def wrap_up(session: AsyncSession, envelope: Envelope) -> None:
        call = CallWrapUp.parse(envelope).call
        agent = await _agent(session, envelope.tenant, call)
        if agent is None:
            return
        await _record(session, agent, call)
        if agent.presence == "on_call" and not _stale(agent, call.talk_ended_at):
            await apply(session, runtime, agent, "wrap_up", None, _at(call.talk_ended_at, envelope=envelope))

    @router.on(CallCompleted.name)
    async def completed(session: AsyncSession, envelope: Envelope) -> None:
        call = CallCompleted.parse(envelope).call
        agent = await _agent(session, envelope.tenant, call)
        if agent is None:
            return
        await _record(session, agent, call)
        # Someone who went away or logged out meanwhile stays so.
        if agent.presence in ("on_call", "wrap_up") and not _stale(agent, call.completed_at):
            await apply(session, runtime, agent, "available", None, _at(call.completed_at, envelope=envelope))

    @router.on(CallTransferred.name)
    async def transferred(session: AsyncSession, envelope: Envelope) -> None:
        # The transferring agent's conversation is over (routing holds them for the queue's
        # wrap-up itself); the call goes on with someone else.
        event = CallTransferred.parse(envelope)
        if event.from_agent_id is None or event.call.agent_id == event.from_agent_id:
            return  # a transfer out to a number: wrap-up and completion events follow for this agent
        agent = await session.get(Agent, event.from_agent_id)
        if agent is None or agent.tenant_id != envelope.tenant:
            return
        if agent.presence == "on_call" and not _stale(agent, envelope.time):
            await apply(session, runtime, agent, "available", None, envelope.time)

    @router.on(OfferWithdrawn.name)
    async def withdrawn(session: AsyncSession, envelope: Envelope) -> None:
        event = OfferWithdrawn.parse(envelope)
        if event.reason != "timeout":
            return
        agent = await session.get(Agent, event.agent_id)
        if agent is None or agent.tenant_id != envelope.tenant or agent.presence != "available":
            return
        await apply(session, runtime, agent, "away", "not_responding", envelope.time)

    return router
