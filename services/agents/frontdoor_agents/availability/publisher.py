"""Compare what is true now with what was last published, and publish the difference.

The scheduler calls this at every boundary and at start (catch-up after a restart): the
stored state is what routing was told, so whatever changed while the service was down is
published once, dated when it really happened.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as agents_repo
from frontdoor_agents.agents.snapshots import build_snapshot, publish
from frontdoor_agents.availability.compute import next_boundary, opening_timeline, reason_state_at, state_at
from frontdoor_agents.availability.service import timelines
from frontdoor_agents.hours import repository as hours_repo
from frontdoor_agents.hours.service import opening_rules, tz_of
from frontdoor_agents.models import AvailabilityState, OpeningState, Queue
from frontdoor_common.events.agents import AgentAvailabilityChanged, QueueOpeningChanged
from frontdoor_common.service import Runtime


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


async def tenants(session: AsyncSession, served: list[str]) -> list[str]:
    """Every tenant with agents or queues (only those this instance serves, if it is sharded)."""
    with_queues = await session.scalars(select(Queue.tenant_id).distinct())
    found = set(await agents_repo.tenants(session)) | set(with_queues)
    return sorted(found & set(served) if served else found)


async def sync_agents(
    session: AsyncSession, runtime: Runtime, tenant: str, now: datetime, horizon: timedelta
) -> tuple[int, datetime | None]:
    """Publish AgentAvailabilityChanged for every agent whose block changed; (events, next boundary)."""
    cfg = await hours_repo.get_config(session, tenant)
    tz = tz_of(cfg)
    agents = await agents_repo.list_agents(session, tenant, active_only=True)
    if not agents:
        return 0, None
    start = now - timedelta(days=2)
    lines = await timelines(session, agents, tz, start, now + horizon)
    ids = [a.id for a in agents]
    memberships = await agents_repo.memberships_of(session, ids)
    states = await agents_repo.states_of(session, ids)
    published, upcoming = 0, None
    for agent in agents:
        line = lines[agent.id]
        upcoming = _earliest(upcoming, next_boundary(line, now))
        now_state = reason_state_at(line, now)
        stored = states.get(agent.id)
        if stored is not None and (stored.blocked, stored.reason) == (now_state.on, now_state.reason):
            if stored.until != now_state.until:  # a meeting got longer: keep the snapshot right, no event
                stored.until = now_state.until
                session.add(stored)
            continue
        previous = build_snapshot(agent, memberships.get(agent.id, []), stored)
        if stored is None:
            stored = AvailabilityState(agent_id=agent.id, tenant_id=tenant)
        stored.blocked, stored.reason = now_state.on, now_state.reason
        stored.since, stored.until = now_state.since, now_state.until
        session.add(stored)
        current = build_snapshot(agent, memberships.get(agent.id, []), stored)
        # At a live boundary `since` is the boundary itself; after a restart it is when it really changed.
        await publish(session, runtime, AgentAvailabilityChanged, current, previous, max(now_state.since, start))
        published += 1
    return published, upcoming


async def sync_queues(
    session: AsyncSession, runtime: Runtime, tenant: str, now: datetime, horizon: timedelta
) -> tuple[int, datetime | None]:
    """Publish QueueOpeningChanged for every queue that opened or closed; (events, next boundary)."""
    cfg = await hours_repo.get_config(session, tenant)
    published, upcoming = 0, None
    start, end = now - timedelta(days=7), now + horizon
    # Per queue only: each queue's state already includes the tenant's hours, holidays and closures,
    # and routing ANDs a tenant-wide state (queue_id null) with the queue's, so one would only be
    # redundant or, for a queue with its own wider hours, wrong.
    for queue in await hours_repo.list_queues(session, tenant):
        key = queue.queue_id
        rules = await opening_rules(session, cfg, queue, start, end)
        line = opening_timeline(rules, start, end)
        upcoming = _earliest(upcoming, next_boundary(line, now))
        state = state_at(line, now, reason_over_run=True)
        reason = "hours" if state.on else (state.reason or "hours")
        stored = await session.get(OpeningState, key)
        if stored is not None and stored.open == state.on:
            if (stored.reason, stored.next_change_at) != (reason, state.until):
                stored.reason, stored.next_change_at = reason, state.until
                session.add(stored)
            continue
        if stored is None:
            stored = OpeningState(queue_id=key, tenant_id=tenant, open=state.on, reason=reason, since=state.since)
        stored.open, stored.reason, stored.since, stored.next_change_at = state.on, reason, state.since, state.until
        session.add(stored)
        event = QueueOpeningChanged(
            tenant_id=tenant,
            queue_id=queue.queue_id,
            open=state.on,
            reason=reason,  # type: ignore[arg-type]
            at=max(state.since, start),
            next_change_at=state.until,
        )
        await runtime.outbox.add(session, event, tenant=tenant)
        published += 1
    return published, upcoming
