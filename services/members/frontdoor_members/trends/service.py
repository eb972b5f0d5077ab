"""Why members (and others) call, week by week (text 003: the contact center's own product).

Every contact counts once: a call and the note written about it are one contact (one row keyed
by the call), a call from someone who is not a member counts too, and each contact counts on
its own date in the tenant's time zone.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.routing import CallSnapshot
from frontdoor_members.trends import repository
from frontdoor_members.trends.models import ContactRecord
from frontdoor_members.trends.schemas import ReasonCountView, ReasonTrendsView, RisingReasonView

if TYPE_CHECKING:
    from frontdoor_members.dossier.models import DossierEntry
    from frontdoor_members.members.models import Member


async def record_call(
    session: AsyncSession, call: CallSnapshot, member: Member | None, reasons: list[str], *, now: datetime
) -> ContactRecord:
    """A completed call is a contact, member or not, dated by its arrival; its wrap-up reason counts
    when it is one of the tenant's (the note's reason stays otherwise)."""
    reason = call.contact_reason if call.contact_reason in reasons else None
    row, _ = await repository.merge_call(
        session,
        call.tenant_id,
        call.call_id,
        lambda: ContactRecord(
            tenant_id=call.tenant_id, call_id=call.call_id, occurred_at=call.arrived_at, created_at=now
        ),
    )
    row.occurred_at, row.dated_by_call = call.arrived_at, True
    row.channel = "phone"
    if reason is not None:
        row.reason = reason
    if member is not None and row.member_id is None:
        row.member_id, row.department_id = member.id, member.department_id
    await session.flush()
    return row


async def record_note(
    session: AsyncSession,
    entry: DossierEntry,
    call_id: uuid.UUID | None,
    member: Member,
    contact_id: uuid.UUID | None = None,
) -> ContactRecord:
    """An agent's note is a contact; a note about a call merges into that call's contact, and notes
    on one contact session without a call into that session's."""

    def new() -> ContactRecord:
        return ContactRecord(
            tenant_id=entry.tenant_id,
            call_id=call_id,
            contact_id=None if call_id is not None else contact_id,
            entry_id=entry.id,
            member_id=member.id,
            department_id=entry.department_id,
            reason=entry.reason,
            channel=entry.channel,
            occurred_at=entry.occurred_at,
            created_at=entry.created_at,
        )

    if call_id is None and contact_id is None:
        row = new()
        session.add(row)
        await session.flush()
        return row
    if call_id is not None:
        row, created = await repository.merge(session, entry.tenant_id, "call_id", call_id, new)
    else:
        assert contact_id is not None
        row, created = await repository.merge(session, entry.tenant_id, "contact_id", contact_id, new)
    if not created:
        row.entry_id = row.entry_id or entry.id
        row.reason = row.reason or entry.reason
        if row.member_id is None:
            row.member_id, row.department_id = member.id, entry.department_id
        await session.flush()
    return row


async def link_member(session: AsyncSession, tenant_id: str, call_id: uuid.UUID, member: Member) -> None:
    """A call identified late counts for the member's department."""
    row = await repository.for_call(session, tenant_id, call_id)
    if row is not None and row.member_id is None:
        row.member_id, row.department_id = member.id, member.department_id
        await session.flush()


def iso_week(day: date) -> str:
    """'2026-W47'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def summarise(
    entries: list[tuple[date, str, uuid.UUID | None]], weeks: list[str], *, top: int = 10
) -> tuple[list[ReasonCountView], dict[str, dict[str, int]], list[RisingReasonView]]:
    """Counts per (week, reason, department), totals per reason and week, and the fastest risers."""
    cells: Counter[tuple[str, str, uuid.UUID | None]] = Counter()
    totals: dict[str, dict[str, int]] = {}
    for day, reason, department in entries:
        week = iso_week(day)
        cells[(week, reason, department)] += 1
        per_week = totals.setdefault(reason, dict.fromkeys(weeks, 0))
        per_week[week] = per_week.get(week, 0) + 1
    rows = [
        ReasonCountView(week=w, reason=r, department_id=d, count=n)
        for (w, r, d), n in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2])))
    ]
    rising = []
    latest, earlier = weeks[-1], weeks[:-1]
    for reason, per_week in totals.items():
        previous = sum(per_week.get(w, 0) for w in earlier) / len(earlier) if earlier else 0.0
        increase = per_week.get(latest, 0) - previous
        if increase > 0:
            rising.append(
                RisingReasonView(
                    reason=reason,
                    latest_week=latest,
                    latest=per_week.get(latest, 0),
                    previous_average=round(previous, 2),
                    increase=round(increase, 2),
                )
            )
    rising.sort(key=lambda r: (-r.increase, r.reason))
    return rows, totals, rising[:top]


async def reasons(
    session: AsyncSession,
    tenant_id: str,
    *,
    weeks: int,
    until: date,
    department_id: uuid.UUID | None,
    zone: ZoneInfo,
) -> ReasonTrendsView:
    """The last `weeks` ISO weeks (of local days in `zone`) up to and including the week of `until`."""
    monday = until - timedelta(days=until.weekday())
    since = monday - timedelta(weeks=weeks - 1)
    end_day = monday + timedelta(days=7)
    week_names = [iso_week(since + timedelta(weeks=i)) for i in range(weeks)]
    start = datetime.combine(since, time.min, zone)
    end = datetime.combine(end_day, time.min, zone)
    entries = [
        (at.astimezone(zone).date(), reason, dept)
        for at, reason, dept in await repository.with_reason_between(session, tenant_id, start, end)
    ]
    entries = [e for e in entries if since <= e[0] < end_day]
    if department_id is not None:
        entries = [e for e in entries if e[2] == department_id]
    rows, totals, rising = summarise(entries, week_names)
    return ReasonTrendsView(
        weeks=week_names, since=since, until=monday + timedelta(days=6), rows=rows, totals=totals, rising=rising
    )
