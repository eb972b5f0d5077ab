"""Meetings with counsellors (the agents service's events) in the member's dossier, told by SMS.

- booked: a `meeting` dossier entry, the confirmation and the reminder (the day before at 18:00 in
  the tenant's time zone; none when that has passed already);
- rescheduled: an entry, the pending reminder withdrawn, a confirmation of the new time and a new
  reminder;
- cancelled: an entry, the pending reminder withdrawn, a confirmation of the cancellation;
- no_show: an entry only.

Run by the dossier consumer in its one transaction (the inbox makes a redelivered event do
nothing; the entry's `source_event_id` is unique as well). An event naming another tenant's
member, or one not in the registry, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events.agents import MeetingEvent, MeetingRescheduled
from frontdoor_common.events.members import NoticeKind
from frontdoor_members.dossier import service as dossier
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members import repository as members
from frontdoor_members.notices import service as notices
from frontdoor_members.notices.notifier import NoticesNotifier
from frontdoor_members.notices.templates import meeting_name
from frontdoor_members.notifier import MembersNotifier

Change = Literal["booked", "rescheduled", "cancelled", "no_show"]

REMINDER_AT = time(18, 0)  # the evening before, local time

_CONFIRMATION: dict[Change, NoticeKind] = {
    "booked": "meeting_booked",
    "rescheduled": "meeting_rescheduled",
    "cancelled": "meeting_cancelled",
}
_SAID: dict[Change, str] = {
    "booked": "booked",
    "rescheduled": "moved",
    "cancelled": "cancelled",
    "no_show": "missed (no-show)",
}


@dataclass(frozen=True)
class MeetingWriters:
    """What a meeting's change writes with."""

    members_notifier: MembersNotifier
    notices_notifier: NoticesNotifier
    default_country: str
    default_timezone: str


def reminder_time(starts_at: datetime, where: notices.Locale) -> datetime:
    """The day before the meeting (its local date) at 18:00 in the tenant's time zone."""
    day = starts_at.astimezone(where.zone).date() - timedelta(days=1)
    return datetime.combine(day, REMINDER_AT, tzinfo=where.zone)


async def meeting_changed(
    session: AsyncSession,
    writers: MeetingWriters,
    tenant_id: str,
    event: MeetingEvent,
    change: Change,
    event_id: str,
    *,
    now: datetime,
) -> DossierEntry | None:
    """Write the change in the member's dossier and tell the member (see the module's docstring)."""
    if event.tenant_id != tenant_id:
        return None
    member = await members.get(session, tenant_id, event.member_id)
    if member is None:
        return None
    where = await notices.locale(session, tenant_id, writers.default_country, writers.default_timezone)
    told: list[str] = []
    if change in ("rescheduled", "cancelled"):
        await notices.withdraw(session, writers.notices_notifier, tenant_id, event.meeting_id, "meeting_reminder", now)
    sms = None
    if change in _CONFIRMATION:
        name = meeting_name(event.kind, where.language)
        sms = await notices.tell(
            session,
            writers.notices_notifier,
            where,
            tenant_id=tenant_id,
            member_id=member.id,
            kind=_CONFIRMATION[change],
            subject_id=event.meeting_id,
            now=now,
            at=event.starts_at,
            meeting=name,
        )
        told.append("Confirmation sent by SMS." if sms is not None else notices.NO_MOBILE)
        remind_at = reminder_time(event.starts_at, where)
        if sms is not None and change != "cancelled" and remind_at > now:
            await notices.tell(
                session,
                writers.notices_notifier,
                where,
                tenant_id=tenant_id,
                member_id=member.id,
                kind="meeting_reminder",
                subject_id=event.meeting_id,
                now=now,
                not_before=remind_at,
                at=event.starts_at,
                meeting=name,
            )
            told.append(f"Reminder by SMS {remind_at:%Y-%m-%d %H:%M}.")
    local = where.zone
    span = f"{event.starts_at.astimezone(local):%Y-%m-%d %H:%M}-{event.ends_at.astimezone(local):%H:%M}"
    summary = f"Meeting ({event.kind}) {_SAID[change]}: {span}."
    if isinstance(event, MeetingRescheduled):
        summary += f" It was {event.previous_starts_at.astimezone(local):%Y-%m-%d %H:%M}."
    return await dossier.add(
        session,
        writers.members_notifier,
        member,
        now=now,
        kind="meeting",
        author="agents",
        summary=" ".join([summary, *told]),
        agent_id=event.counsellor_id,
        occurred_at=event.at,
        source_event_id=event_id,
    )
