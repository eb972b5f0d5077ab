"""Opening hours: building the pure rules from stored settings, changing the settings, the queue replica."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.availability.compute import Interval, OpeningRules, open_intervals, opening_state, rules_from_json
from frontdoor_agents.hours import repository as repo
from frontdoor_agents.hours.schemas import (
    ClosureCreate,
    IntervalView,
    OpeningHoursView,
    OpeningView,
    QueueHoursUpdate,
    TenantSettingsUpdate,
)
from frontdoor_agents.models import Closure, Queue, TenantConfig
from frontdoor_common.errors import InvalidInput, NotFound


def tz_of(cfg: TenantConfig) -> ZoneInfo:
    """The tenant's time zone."""
    return ZoneInfo(cfg.timezone)


def public_holidays(cfg: TenantConfig, start: datetime, end: datetime) -> dict[date, str]:
    """The public holidays of the tenant's country (and subdivision) between two moments."""
    years = range(start.year - 1, end.year + 2)
    found = holidays.country_holidays(cfg.country, subdiv=cfg.subdivision, years=years)
    return {d: str(name) for d, name in found.items()}


async def opening_rules(
    session: AsyncSession, cfg: TenantConfig, queue: Queue | None, start: datetime, end: datetime
) -> OpeningRules:
    """The pure rules deciding whether `queue` (or the tenant) is open in [start, end)."""
    raw = queue.opening_hours if queue is not None and queue.opening_hours is not None else cfg.opening_hours
    closures = await repo.closures_for(session, cfg.tenant_id, queue.queue_id if queue else None, start, end)
    return OpeningRules(
        rules=rules_from_json(raw),
        tz=tz_of(cfg),
        holidays=public_holidays(cfg, start, end),
        closures=[Interval(c.start_at, c.end_at, "closure") for c in closures],
    )


async def queue_or_404(session: AsyncSession, tenant: str, queue_id: uuid.UUID) -> Queue:
    """A known queue of the tenant's, or 404."""
    queue = await repo.get_queue(session, tenant, queue_id)
    if queue is None:
        raise NotFound("No such queue (queues come from the routing service).", error_id="queue_not_found")
    return queue


async def get_settings(session: AsyncSession, tenant: str) -> TenantConfig:
    """The tenant's settings (defaults until changed)."""
    return await repo.get_config(session, tenant)


async def update_settings(
    session: AsyncSession, tenant: str, body: TenantSettingsUpdate, now: datetime
) -> TenantConfig:
    """Change the tenant's settings (only the fields given)."""
    cfg = await repo.get_config(session, tenant)
    given = body.model_fields_set
    if "timezone" in given:
        try:
            ZoneInfo(body.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput("Unknown time zone.", field="timezone", error_id="unknown_timezone") from exc
        cfg.timezone = body.timezone
    if "country" in given or "subdivision" in given:
        country = (body.country if "country" in given else cfg.country).upper()
        try:
            holidays.country_holidays(country, subdiv=body.subdivision, years=[2026])
        except NotImplementedError as exc:
            field = "subdivision" if body.subdivision else "country"
            raise InvalidInput("No public holidays known for it.", field=field, error_id="unknown_country") from exc
        cfg.country, cfg.subdivision = country, body.subdivision
    if "away_reasons" in given:
        cfg.away_reasons = sorted({r.strip() for r in body.away_reasons if r.strip()} | {"not_responding"})
    if "opening_hours" in given:
        cfg.opening_hours = [r.stored() for r in body.opening_hours]
    if "feed_allow_hosts" in given:
        cfg.feed_allow_hosts = sorted({h.lower().rstrip(".") for h in body.feed_allow_hosts})
    cfg.updated_at = now
    session.add(cfg)
    await session.flush()
    return cfg


async def set_queue_hours(
    session: AsyncSession, tenant: str, queue_id: uuid.UUID, body: QueueHoursUpdate, now: datetime
) -> Queue:
    """Give a queue its own weekly hours, or (null) let the tenant's apply."""
    queue = await queue_or_404(session, tenant, queue_id)
    queue.opening_hours = [r.stored() for r in body.hours] if body.hours is not None else None
    queue.updated_at = now
    session.add(queue)
    await session.flush()
    return queue


async def list_closures(session: AsyncSession, tenant: str) -> list[Closure]:
    """Every closure of the tenant, by start."""
    return await repo.list_closures(session, tenant)


async def add_closure(session: AsyncSession, tenant: str, body: ClosureCreate) -> Closure:
    """Close the tenant (or one queue) for a span of time."""
    if body.end <= body.start:
        raise InvalidInput("The closure ends before it starts.", field="end", error_id="end_before_start")
    if body.queue_id is not None:
        await queue_or_404(session, tenant, body.queue_id)
    closure = Closure(tenant_id=tenant, queue_id=body.queue_id, title=body.title, start_at=body.start, end_at=body.end)
    session.add(closure)
    await session.flush()
    return closure


async def delete_closure(session: AsyncSession, tenant: str, closure_id: uuid.UUID) -> None:
    """Remove a closure."""
    closure = await session.get(Closure, closure_id)
    if closure is None or closure.tenant_id != tenant:
        raise NotFound("No such closure.")
    await session.delete(closure)
    await session.flush()


def window_limit(start: datetime, end: datetime, *, days: int = 93) -> None:
    """Refuse windows that end before they start or are unreasonably long."""
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.", field="to", error_id="end_before_start")
    if end - start > timedelta(days=days):
        raise InvalidInput(f"The window may span at most {days} days.", field="to", error_id="window_too_long")


async def opening_at(session: AsyncSession, tenant: str, queue_id: uuid.UUID | None, at: datetime) -> OpeningView:
    """Whether the queue (or the tenant) is open at `at`, since when, and the next change."""
    cfg = await repo.get_config(session, tenant)
    queue = await queue_or_404(session, tenant, queue_id) if queue_id else None
    rules = await opening_rules(session, cfg, queue, at - timedelta(days=8), at + timedelta(days=15))
    state = opening_state(rules, at)
    return OpeningView(
        queue_id=queue_id,
        at=at,
        open=state.on,
        reason="hours" if state.on else (state.reason or "hours"),
        since=state.since,
        next_change_at=state.until,
    )


async def queue_hours(
    session: AsyncSession, tenant: str, queue_id: uuid.UUID, start: datetime, end: datetime
) -> OpeningHoursView:
    """A queue's weekly hours and its open intervals in [start, end) (holidays and closures applied)."""
    queue = await queue_or_404(session, tenant, queue_id)
    cfg = await repo.get_config(session, tenant)
    rules = await opening_rules(session, cfg, queue, start, end)
    return OpeningHoursView(
        queue_id=queue_id,
        timezone=cfg.timezone,
        weekly=queue.opening_hours if queue.opening_hours is not None else cfg.opening_hours,
        uses_tenant_hours=queue.opening_hours is None,
        intervals=[IntervalView(start=i.start, end=i.end) for i in open_intervals(rules, start, end)],
    )


async def upsert_queue(
    session: AsyncSession, tenant: str, queue_id: uuid.UUID, name: str, active: bool, now: datetime
) -> Queue:
    """Record a queue routing told us about (the replica)."""
    queue = await session.get(Queue, queue_id)
    if queue is None:
        queue = Queue(queue_id=queue_id, tenant_id=tenant, name=name, active=active, updated_at=now)
    elif queue.tenant_id != tenant:
        raise InvalidInput("The queue belongs to another tenant.", field="queue_id")
    queue.name, queue.active, queue.updated_at = name, active, now
    session.add(queue)
    await session.flush()
    return queue
