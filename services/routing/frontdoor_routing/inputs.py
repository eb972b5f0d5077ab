"""What routing learns from other services: agents, opening hours, callbacks.

Events arrive through one consumer whose handler owns its transaction: it takes the
engine's lock, records the event in the inbox and changes state in one commit, so a
redelivered event changes nothing. At start, routing also reconciles its agent replica
with the agents service over REST, so a missed event cannot leave an agent stuck.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from frontdoor_common.auth import mint_token
from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import Claim, OwnTransactionHandler
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events import agents as agent_events
from frontdoor_common.events import callbacks as callback_events
from frontdoor_common.events import routing as ev
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime
from frontdoor_routing.engine import Engine, Mutation, snapshot, ts
from frontdoor_routing.models import AgentView, Call, Queue, TenantOpening

log = get_logger(__name__)

AGENT_TYPES = {
    agent_events.AgentUpserted.name,
    agent_events.AgentPresenceChanged.name,
    agent_events.AgentQueuesChanged.name,
    agent_events.AgentAvailabilityChanged.name,
}
INPUT_TOPICS = [topics.AGENTS, topics.CALLBACKS]


async def upsert_agent(engine: Engine, m: Mutation, snap: agent_events.AgentSnapshot, at: datetime) -> None:
    """Store the agent's snapshot (unless an older one) and update the core."""
    view = await m.session.get(AgentView, snap.agent_id)
    if view is not None and view.tenant_id != snap.tenant_id:
        return  # an id of another tenant: never cross tenants
    # No reordering by `at`: the agents service publishes each agent's events in commit order
    # on one key, and `at` is when a change took effect (a meeting's start), not when it was
    # decided, so a later event may carry an earlier `at`.
    if view is None:
        view = AgentView(agent_id=snap.agent_id, tenant_id=snap.tenant_id)
        m.session.add(view)
    view.name = snap.name
    view.team_id = snap.team_id
    view.presence = snap.presence
    view.presence_since = snap.presence_since
    view.blocked = snap.blocked
    view.blocked_reason = snap.blocked_reason
    view.active = snap.active
    view.queues = [q.model_dump(mode="json") for q in snap.queues]
    view.event_at = at
    await m.session.flush()
    await engine.apply_agent_view(m, view)


async def set_opening(m: Mutation, event: agent_events.QueueOpeningChanged) -> None:
    """A queue or the whole tenant opened or closed."""
    if event.queue_id is None:
        row = await m.session.get(TenantOpening, event.tenant_id)
        if row is None:
            row = TenantOpening(tenant_id=event.tenant_id)
            m.session.add(row)
        row.open, row.reason, row.at = event.open, event.reason, event.at
        m.tenant.open = event.open
        return
    queue = await m.session.get(Queue, event.queue_id)
    if queue is None or queue.tenant_id != event.tenant_id:
        return
    queue.open, queue.open_reason = event.open, event.reason
    m.tenant.queues[queue.id] = queue


async def dispatch_callback(m: Mutation, event: callback_events.CallbackDispatched) -> None:
    """Queue a due callback as a task, keeping the original call's place when it had one."""
    cb = event.callback
    cti_id = f"callback:{cb.callback_id}:{event.attempt}"
    if await m.session.scalar(select(Call.id).where(Call.tenant_id == cb.tenant_id, Call.cti_call_id == cti_id)):
        return  # this attempt is already queued
    if cb.original_call_id is not None:
        original = await m.session.get(Call, cb.original_call_id)
        if original is not None and original.tenant_id == cb.tenant_id and original.state in ("queued", "offered"):
            # The caller is still in the queue: the waiting entry becomes the callback, same place.
            original.kind = "callback"
            original.callback_id = cb.callback_id
            return
    queue = m.tenant.queues.get(cb.queue_id) if cb.queue_id else None
    if queue is None:
        log.warning("callback for an unknown queue", callback_id=str(cb.callback_id), queue_id=str(cb.queue_id))
        return
    arrived = cb.original_arrived_at or cb.due_at or m.at
    call = Call(
        tenant_id=cb.tenant_id,
        cti_call_id=cti_id,
        kind="callback",
        caller_number=cb.number,
        queue_id=queue.id,
        original_queue_id=queue.id,
        member_id=cb.member_id,
        priority=cb.priority,
        arrived_at=arrived,
        callback_id=cb.callback_id,
        service_level_seconds=queue.service_level_seconds,
    )
    m.session.add(call)
    await m.session.flush()
    await m.emit(ev.CallArrived(call=snapshot(call)))
    call.state, call.queued_at, call.entered_queue_at = "queued", m.at, m.at
    await m.emit(ev.CallQueued(call=snapshot(call)))
    preferred = cb.agent_id if cb.agent_id in m.tenant.agents else None
    await m.apply(
        m.router.enqueue(
            call.id,
            queue.id,
            m.now,
            arrived_at=ts(arrived),
            priority=cb.priority,
            preferred_agent=preferred,
            preference_window=120.0 if preferred else None,
        )
    )


CALLBACK_CLOSED = {callback_events.CallbackCancelled.name, callback_events.CallbackExpired.name}


async def close_callback_task(m: Mutation, callback_id: Any) -> None:
    """A callback closed elsewhere (cancelled, expired) leaves the queue if it still waits there."""
    calls = (
        await m.session.execute(
            select(Call).where(
                Call.tenant_id == m.tenant.tenant_id,
                Call.callback_id == callback_id,
                Call.state.in_(("queued", "offered")),
            )
        )
    ).scalars()
    for call in list(calls):
        decisions = m.router.remove_call(call.id, m.now)
        call.state, call.outcome_reason, call.agent_id, call.updated_at = "closed", "callback_closed", None, m.at
        await m.apply(decisions)
        await m.emit(ev.CallRejected(call=snapshot(call), reason="callback_closed"))


class RoutingInputs(OwnTransactionHandler):
    """The consumer handler for agents' and callbacks' events."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handles(self, event_type: str) -> bool:
        return (
            event_type in AGENT_TYPES
            or event_type in CALLBACK_CLOSED
            or event_type in (agent_events.QueueOpeningChanged.name, callback_events.CallbackDispatched.name)
        )

    async def run(self, envelope: Envelope, claim: Claim) -> bool:
        if not self.engine.served(envelope.tenant):
            return True  # another routing shard owns this tenant
        async with self.engine.mutation(envelope.tenant) as m:
            if not await claim(m.session):
                return False
            if envelope.type in AGENT_TYPES:
                event: Any = agent_events.AgentEvent.model_validate(envelope.data)
                if event.current.tenant_id == envelope.tenant:
                    await upsert_agent(self.engine, m, event.current, event.at)
            elif envelope.type == agent_events.QueueOpeningChanged.name:
                opening = agent_events.QueueOpeningChanged.model_validate(envelope.data)
                if opening.tenant_id == envelope.tenant:
                    await set_opening(m, opening)
            elif envelope.type in CALLBACK_CLOSED:
                closed = callback_events.CallbackEvent.model_validate(envelope.data)
                if closed.callback.tenant_id == envelope.tenant:
                    await close_callback_task(m, closed.callback.callback_id)
            else:
                dispatched = callback_events.CallbackDispatched.model_validate(envelope.data)
                if dispatched.callback.tenant_id == envelope.tenant:
                    await dispatch_callback(m, dispatched)
        return True


async def reconcile(runtime: Runtime) -> int:
    """Fetch every served tenant's agents from the agents service and apply them."""
    engine: Engine = runtime.state["engine"]
    client: httpx.AsyncClient = runtime.state["http"]
    settings: Any = runtime.settings
    if not settings.agents_url or (settings.jwt_jwks_url and not settings.service_token):
        return 0
    applied = 0
    for tenant_id in list(engine.tenants):
        token = settings.service_token or mint_token(
            tenant_id=tenant_id,
            scopes=["agents:read"],
            subject="routing",
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            ttl_seconds=300,
        )
        try:
            r = await client.get(
                f"{settings.agents_url}/v1/agents/snapshots",
                headers={"Authorization": f"Bearer {token}"},
                timeout=settings.reconcile_timeout_s,
            )
            if r.status_code != 200:
                log.warning("reconcile: agents service answered", status=r.status_code, tenant=tenant_id)
                continue
            items = r.json()
            items = items.get("items", items) if isinstance(items, dict) else items
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("reconcile: agents service unreachable", error_type=type(exc).__name__, tenant=tenant_id)
            continue
        now = datetime.now(UTC)
        async with engine.mutation(tenant_id) as m:
            for item in items:
                snap = agent_events.AgentSnapshot.model_validate(item)
                if snap.tenant_id == tenant_id:
                    await upsert_agent(engine, m, snap, now)
                    applied += 1
    log.info("reconciled agents with the agents service", agents=applied)
    return applied


async def reconcile_soon(runtime: Runtime) -> None:
    """Start the reconcile in the background (startup must not wait for another service)."""
    runtime.state["reconcile"] = asyncio.create_task(reconcile(runtime))
