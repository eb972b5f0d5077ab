"""Meeting kinds, free slots and booking: the rules, the slot check, and exactly one winner per slot.

A slot is checked in two steps: first against the counsellor's hours, holidays and timeline
(calendar events, feeds and meetings; feeds are expanded off the loop within the budget, before
any lock is taken), then, holding the counsellor's row, against the meetings committed meanwhile.
The unique (tenant, counsellor, held start) constraint is the last word on a second booking of
the very same slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.agents.service import agent_or_404
from frontdoor_agents.availability.compute import day_span, local_days, rules_from_json, weekly_intervals
from frontdoor_agents.availability.service import timelines
from frontdoor_agents.calendars.expand import busy_for
from frontdoor_agents.calendars.ical import FeedError
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.hours.service import public_holidays, tz_of
from frontdoor_agents.meetings import repository as repo
from frontdoor_agents.meetings.notifier import MeetingsNotifier
from frontdoor_agents.meetings.schemas import MeetingCreate, MeetingKindPut, SlotView
from frontdoor_agents.meetings.slots import free_starts, grid, is_free
from frontdoor_agents.models import Agent, CalendarFeed, Meeting, MeetingKind, TenantConfig
from frontdoor_agents.settings import Settings
from frontdoor_common.db import Database
from frontdoor_common.errors import Conflict, InvalidInput, NotFound

MAX_SLOT_WINDOW = timedelta(days=31)


# --- meeting kinds ------------------------------------------------------------------------


async def kind_or_404(session: AsyncSession, tenant: str, code: str) -> MeetingKind:
    """The tenant's meeting kind, or 404."""
    kind = await repo.get_kind(session, tenant, code)
    if kind is None:
        raise NotFound("No such meeting kind.", error_id="meeting_kind_not_found")
    return kind


async def put_kind(session: AsyncSession, tenant: str, code: str, body: MeetingKindPut, now: datetime) -> MeetingKind:
    """Create or replace a meeting kind; every counsellor must be the tenant's staff."""
    ids = list(dict.fromkeys(body.counsellor_ids))
    known = {a.id for a in await _agents(session, tenant, ids)}
    for n, agent_id in enumerate(ids):
        if agent_id not in known:
            raise InvalidInput(
                f"No such member of staff: {agent_id}.", field=f"counsellor_ids.{n}", error_id="unknown_counsellor"
            )
    values = {
        "name": body.name,
        "minutes": body.minutes,
        "book_ahead_days": body.book_ahead_days,
        "min_notice_minutes": body.min_notice_minutes,
        "counsellor_ids": [str(i) for i in ids],
        "updated_at": now,
    }
    kind = await repo.get_kind(session, tenant, code)
    if kind is None:
        kind = MeetingKind.model_validate({"tenant_id": tenant, "code": code, **values})
    else:
        kind.sqlmodel_update(values)
    try:
        async with session.begin_nested():
            session.add(kind)
            await session.flush()
    except IntegrityError:  # the same new code, PUT twice at once: the other one was first
        raise Conflict("The meeting kind was created meanwhile; try again.", error_id="concurrent_update") from None
    return kind


async def list_kinds(session: AsyncSession, tenant: str) -> list[MeetingKind]:
    """The tenant's meeting kinds, by code."""
    return await repo.list_kinds(session, tenant)


async def delete_kind(session: AsyncSession, tenant: str, code: str) -> None:
    """Remove a meeting kind (meetings already booked keep their kind's code)."""
    await session.delete(await kind_or_404(session, tenant, code))
    await session.flush()


async def _agents(session: AsyncSession, tenant: str, ids: list[uuid.UUID]) -> list[Agent]:
    if not ids:
        return []
    rows = await session.scalars(select(Agent).where(Agent.tenant_id == tenant, col(Agent.id).in_(ids)))
    return list(rows)


def _counsellors(kind: MeetingKind) -> list[uuid.UUID]:
    return [uuid.UUID(i) for i in kind.counsellor_ids]


# --- slots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    cfg: TenantConfig
    kind: MeetingKind
    now: datetime
    settings: Settings
    # A booking that names the member's department: only its counsellors are offered as the next free slot.
    department_id: uuid.UUID | None = None

    def may_hold(self, agent: Agent) -> bool:
        """Whether this counsellor is active and of the department asked for (if one was)."""
        return agent.active and (self.department_id is None or agent.department_id == self.department_id)

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.kind.minutes)

    @property
    def earliest(self) -> datetime:
        return self.now + timedelta(minutes=self.kind.min_notice_minutes)

    @property
    def latest(self) -> datetime:
        return self.now + timedelta(days=self.kind.book_ahead_days)


async def _slots(
    session: AsyncSession,
    rules: _Rules,
    agents: list[Agent],
    start: datetime,
    end: datetime,
    *,
    except_meeting: uuid.UUID | None = None,
) -> list[SlotView]:
    """Free slots of these counsellors starting in [start, end), earliest first."""
    lo, hi = max(start, rules.earliest), min(end, rules.latest + timedelta(microseconds=1))
    if not agents or hi <= lo:
        return []
    tz = tz_of(rules.cfg)
    days = list(local_days(tz, lo, hi))
    ws, we = day_span(days[0], tz, len(days)).start, day_span(days[0], tz, len(days)).end
    holidays = public_holidays(rules.cfg, ws, we)
    lines = await timelines(session, agents, tz, ws, we, rules.settings, except_meeting=except_meeting)
    hours = [(a.id, a.working_hours if a.working_hours is not None else rules.cfg.opening_hours) for a in agents]
    length = rules.length

    def compute() -> list[SlotView]:
        # CPU work whose size the request decides (up to 31 days of slots of up to 200 counsellors):
        # in a thread, off the event loop
        out: list[SlotView] = []
        for agent_id, raw in hours:
            starts = grid(weekly_intervals(rules_from_json(raw), tz, ws, we), length, tz, holidays)
            for s in free_starts(starts, length, lines[agent_id], lo, hi):
                if s < hi:
                    out.append(SlotView(counsellor_id=agent_id, starts_at=s, ends_at=s + length))
        return sorted(out, key=lambda v: (v.starts_at, str(v.counsellor_id)))

    return await asyncio.to_thread(compute)


async def slots(
    session: AsyncSession,
    tenant: str,
    code: str,
    start: datetime,
    end: datetime,
    counsellor_id: uuid.UUID | None,
    now: datetime,
    settings: Settings,
    department_id: uuid.UUID | None = None,
) -> list[SlotView]:
    """Free slots of a kind in [start, end) (at most 31 days), of one allowed counsellor or all of them,
    and only of the counsellors of `department_id` if it is given."""
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.", field="to", error_id="end_before_start")
    if end - start > MAX_SLOT_WINDOW:
        raise InvalidInput("The window may span at most 31 days.", field="to", error_id="window_too_long")
    kind = await kind_or_404(session, tenant, code)
    allowed = _counsellors(kind)
    if counsellor_id is not None:
        await agent_or_404(session, tenant, counsellor_id)
        allowed = [counsellor_id] if counsellor_id in allowed else []
    rules = _Rules(await get_config(session, tenant), kind, now, settings, department_id)
    agents = [a for a in await _agents(session, tenant, allowed) if rules.may_hold(a)]
    return await _slots(session, rules, agents, start, end)


async def _next_free(
    session: AsyncSession, rules: _Rules, counsellor: Agent, after: datetime, except_meeting: uuid.UUID | None
) -> SlotView | None:
    """The next free slot of this counsellor after `after`, else of any allowed counsellor (of the booking's
    department, if it named one) within 31 days."""
    start = max(after, rules.now)
    found = await _slots(session, rules, [counsellor], start, start + MAX_SLOT_WINDOW, except_meeting=except_meeting)
    if found:
        return found[0]
    others = [
        a
        for a in await _agents(session, rules.cfg.tenant_id, _counsellors(rules.kind))
        if rules.may_hold(a) and a.id != counsellor.id
    ]
    found = await _slots(session, rules, others, start, start + MAX_SLOT_WINDOW, except_meeting=except_meeting)
    return found[0] if found else None


# --- booking ----------------------------------------------------------------------------------


async def _slot_taken(
    session: AsyncSession, rules: _Rules, counsellor: Agent, at: datetime, except_meeting: uuid.UUID | None
) -> Conflict:
    nxt = await _next_free(session, rules, counsellor, at, except_meeting)
    return Conflict(
        "The counsellor is not free then.",
        error_id="slot_taken",
        field="starts_at",
        next_free=nxt.model_dump(mode="json") if nxt is not None else None,
    )


async def _check(
    session: AsyncSession,
    rules: _Rules,
    counsellor: Agent,
    starts_at: datetime,
    except_meeting: uuid.UUID | None = None,
) -> None:
    """Refuse a start that breaks the kind's rules, the counsellor's hours or a holiday (422), or is not free (409)."""
    kind, cfg = rules.kind, rules.cfg
    if counsellor.id not in _counsellors(kind) or not counsellor.active:
        raise InvalidInput(
            "This counsellor does not hold meetings of this kind.",
            field="counsellor_id",
            error_id="counsellor_not_allowed",
        )
    if starts_at < rules.now:
        raise InvalidInput("The meeting would start in the past.", field="starts_at", error_id="in_the_past")
    if starts_at < rules.earliest:
        raise InvalidInput(
            f"Meetings of this kind are booked at least {kind.min_notice_minutes} minutes ahead.",
            field="starts_at",
            error_id="too_short_notice",
        )
    if starts_at > rules.latest:
        raise InvalidInput(
            f"Meetings of this kind are booked at most {kind.book_ahead_days} days ahead.",
            field="starts_at",
            error_id="too_far_ahead",
        )
    tz = tz_of(cfg)
    day = day_span(starts_at.astimezone(tz).date(), tz)
    holidays = public_holidays(cfg, day.start, day.end)
    name = holidays.get(starts_at.astimezone(tz).date())
    if name is not None:
        raise InvalidInput(f"That day is a public holiday ({name}).", field="starts_at", error_id="holiday")
    raw = counsellor.working_hours if counsellor.working_hours is not None else cfg.opening_hours
    if starts_at not in grid(weekly_intervals(rules_from_json(raw), tz, day.start, day.end), rules.length, tz, {}):
        raise InvalidInput(
            "Not a slot: outside the counsellor's hours or off the slot grid.",
            field="starts_at",
            error_id="outside_hours",
        )
    ends_at = starts_at + rules.length
    # Calendars first (feeds are expanded off the loop here), without holding any lock.
    line = (
        await timelines(session, [counsellor], tz, starts_at, ends_at, rules.settings, except_meeting=except_meeting)
    )[counsellor.id]
    if not is_free(line, starts_at, ends_at):
        raise await _slot_taken(session, rules, counsellor, starts_at, except_meeting)
    # Then the meetings, holding the counsellor: a booking committed meanwhile is seen here.
    await repo.lock_counsellor(session, counsellor.id)
    if await repo.held_between(session, [counsellor.id], starts_at, ends_at, except_id=except_meeting):
        raise await _slot_taken(session, rules, counsellor, starts_at, except_meeting)


async def _hold(session: AsyncSession, rules: _Rules, counsellor: Agent, meeting: Meeting) -> None:
    """Write the meeting in a savepoint: the unique slot refuses a second booking of the same start."""
    try:
        async with session.begin_nested():
            session.add(meeting)
            await session.flush()
    except IntegrityError:
        raise await _slot_taken(session, rules, counsellor, meeting.starts_at, None) from None


async def book(
    session: AsyncSession,
    notifier: MeetingsNotifier,
    tenant: str,
    body: MeetingCreate,
    now: datetime,
    settings: Settings,
    *,
    member_subject: str,
) -> Meeting:
    """Book a meeting in a free slot of an allowed counsellor; 409 `slot_taken` with the next free slot.

    `member_subject` is the keyed digest naming the member: a member whose data was erased is refused
    (422 `member_erased`), and a booking and the member's erasure happen one after the other (the
    erasure sees the booking and cancels it, or the booking sees the erasure)."""
    await repo.lock_member(session, member_subject)
    if await repo.is_erased(session, tenant, member_subject):
        raise InvalidInput("This member's data was erased.", field="member_id", error_id="member_erased")
    kind = await repo.get_kind(session, tenant, body.kind)
    if kind is None:
        raise InvalidInput("No such meeting kind.", field="kind", error_id="unknown_meeting_kind")
    counsellor = await agent_or_404(session, tenant, body.counsellor_id)
    if body.department_id is not None and counsellor.department_id != body.department_id:
        raise InvalidInput(
            "This counsellor is not of the member's department.",
            field="department_id",
            error_id="counsellor_not_in_department",
        )
    rules = _Rules(await get_config(session, tenant), kind, now, settings, body.department_id)
    starts_at = body.starts_at.astimezone(UTC)
    await _check(session, rules, counsellor, starts_at)
    meeting = Meeting(
        tenant_id=tenant,
        kind=kind.code,
        counsellor_id=counsellor.id,
        member_id=body.member_id,
        department_id=body.department_id,
        note=body.note,
        status="booked",
        starts_at=starts_at,
        ends_at=starts_at + rules.length,
        held_start=starts_at,
        created_at=now,
        updated_at=now,
    )
    await _hold(session, rules, counsellor, meeting)
    await notifier.booked(session, meeting, now)
    return meeting


async def warm_calendar(
    db: Database, tenant: str, kind_code: str, counsellor_id: uuid.UUID, starts_at: datetime, settings: Settings
) -> None:
    """Expand the counsellor's feed for this slot in a read-only transaction, before the booking's write
    transaction begins: the booking then finds it in the cache and holds no write lock (SQLite's) while a
    calendar is expanded. Anything wrong is left for the booking itself to report."""
    async with db.snapshot() as session:
        kind = await repo.get_kind(session, tenant, kind_code)
        feed = await session.get(CalendarFeed, counsellor_id)
        if kind is None or feed is None or feed.tenant_id != tenant or feed.ics is None:
            return
        tz = tz_of(await get_config(session, tenant))
    start = starts_at.astimezone(UTC)
    with contextlib.suppress(FeedError):
        await busy_for(
            feed.ics,
            tz,
            start,
            start + timedelta(minutes=kind.minutes),
            budget_s=settings.feed_expand_budget_s,
            max_occurrences=settings.feed_max_occurrences,
        )


async def meeting_or_404(
    session: AsyncSession, tenant: str, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Meeting:
    """The tenant's meeting, or 404 (`for_update`: held until the transaction ends, to change it)."""
    meeting = await repo.get_meeting(session, tenant, meeting_id, for_update=for_update)
    if meeting is None:
        raise NotFound("No such meeting.", error_id="meeting_not_found")
    return meeting


def _booked(meeting: Meeting) -> None:
    if meeting.member_id is None:
        raise Conflict("The meeting was anonymised; it no longer changes.", error_id="meeting_anonymised")
    if meeting.status != "booked":
        raise Conflict(f"The meeting is {meeting.status}.", error_id="meeting_not_booked")


async def reschedule(
    session: AsyncSession,
    notifier: MeetingsNotifier,
    tenant: str,
    meeting_id: uuid.UUID,
    starts_at: datetime,
    now: datetime,
    settings: Settings,
) -> Meeting:
    """Move a booked meeting: the same checks as booking; the old slot is freed only if the new one is taken."""
    meeting = await meeting_or_404(session, tenant, meeting_id, for_update=True)
    _booked(meeting)
    if meeting.starts_at <= now:
        raise Conflict("The meeting has started.", error_id="meeting_started")
    kind = await repo.get_kind(session, tenant, meeting.kind)
    if kind is None:
        raise Conflict("The meeting's kind no longer exists.", error_id="meeting_kind_gone")
    counsellor = await agent_or_404(session, tenant, meeting.counsellor_id)
    rules = _Rules(await get_config(session, tenant), kind, now, settings, meeting.department_id)
    starts_at = starts_at.astimezone(UTC)
    await _check(session, rules, counsellor, starts_at, except_meeting=meeting.id)
    previous = (meeting.starts_at, meeting.ends_at)
    meeting.starts_at, meeting.ends_at = starts_at, starts_at + rules.length
    meeting.held_start, meeting.updated_at = starts_at, now
    await _hold(session, rules, counsellor, meeting)
    await notifier.rescheduled(session, meeting, previous[0], previous[1], now)
    return meeting


async def cancel(
    session: AsyncSession, notifier: MeetingsNotifier, tenant: str, meeting_id: uuid.UUID, now: datetime
) -> Meeting:
    """Cancel a booked meeting that has not started; its slot is free again."""
    meeting = await meeting_or_404(session, tenant, meeting_id, for_update=True)
    _booked(meeting)
    if meeting.starts_at <= now:
        raise Conflict("The meeting has started; record a no-show instead.", error_id="meeting_started")
    meeting.status, meeting.held_start, meeting.updated_at = "cancelled", None, now
    session.add(meeting)
    await session.flush()
    await notifier.cancelled(session, meeting, now)
    return meeting


async def no_show(
    session: AsyncSession, notifier: MeetingsNotifier, tenant: str, meeting_id: uuid.UUID, now: datetime
) -> Meeting:
    """Record that the member did not come (once the meeting has started)."""
    meeting = await meeting_or_404(session, tenant, meeting_id, for_update=True)
    _booked(meeting)
    if meeting.starts_at > now:
        raise Conflict("The meeting has not started yet.", error_id="meeting_not_started")
    meeting.status, meeting.updated_at = "no_show", now
    session.add(meeting)
    await session.flush()
    await notifier.no_show(session, meeting, now)
    return meeting


async def list_meetings(
    session: AsyncSession,
    tenant: str,
    counsellor_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
    offset: int,
    limit: int,
    member_id: uuid.UUID | None = None,
) -> list[Meeting]:
    """The tenant's meetings starting in [start, end), earliest first (of one counsellor or member, if given).

    A member id is the members service's, opaque here: an unknown one simply has no meetings."""
    if counsellor_id is not None:
        await agent_or_404(session, tenant, counsellor_id)
    return await repo.list_meetings(session, tenant, counsellor_id, start, end, offset, limit, member_id)
