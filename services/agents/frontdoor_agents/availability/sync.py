"""Compare what is true now with what was last published, and publish the difference.

The scheduler calls this at every boundary and at start (catch-up after a restart): the
stored state is what routing was told, so whatever changed while the service was down is
published once, dated when it really happened.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as agents_repo
from frontdoor_agents.agents.snapshots import build_snapshot
from frontdoor_agents.availability.compute import next_boundary, opening_timeline, reason_state_at, state_at
from frontdoor_agents.availability.service import timelines
from frontdoor_agents.calendars.expand import scheduler_window
from frontdoor_agents.hours import repository as hours_repo
from frontdoor_agents.hours.service import opening_rules, tz_of
from frontdoor_agents.models import AvailabilityState, CalendarFeed, OpeningState
from frontdoor_agents.notifier import AgentsNotifier
from frontdoor_agents.settings import Settings


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


async def tenants(session: AsyncSession, served: list[str]) -> list[str]:
    """Every tenant with agents or queues (only those this instance serves, if it is sharded)."""
    found = set(await agents_repo.tenants(session)) | set(await hours_repo.queue_tenants(session))
    return sorted(found & set(served) if served else found)


async def sync_agents(
    session: AsyncSession,
    notifier: AgentsNotifier,
    settings: Settings,
    tenant: str,
    now: datetime,
    horizon: timedelta,
) -> tuple[int, datetime | None]:
    """Publish AgentAvailabilityChanged for every agent whose block changed; (events, next boundary)."""
    cfg = await hours_repo.get_config(session, tenant)
    tz = tz_of(cfg)
    agents = await agents_repo.list_agents(session, tenant, active_only=True)
    if not agents:
        return 0, None
    start, end = scheduler_window(now, horizon)
    failed: dict[uuid.UUID, str] = {}
    lines = await timelines(session, agents, tz, start, end, settings, failed)
    await mark_failed_feeds(session, failed, now)
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
        await notifier.availability_changed(session, current, previous, max(now_state.since, start))
        published += 1
    return published, upcoming


async def mark_failed_feeds(session: AsyncSession, failed: dict[uuid.UUID, str], now: datetime) -> None:
    """A stored calendar that cannot be expanded within bounds: the feed reports it (once), the copy is kept."""
    for agent_id, code in failed.items():
        feed = await session.get(CalendarFeed, agent_id)
        if feed is not None and (feed.status, feed.last_error) != ("error", code):
            feed.status, feed.last_error, feed.last_attempt_at = "error", code, now
            session.add(feed)


async def sync_queues(
    session: AsyncSession, notifier: AgentsNotifier, tenant: str, now: datetime, horizon: timedelta
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
        await notifier.opening_changed(session, stored, max(state.since, start))
        published += 1
    return published, upcoming
