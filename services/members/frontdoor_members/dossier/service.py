"""Writing the dossier: agents' logs and remarks, and calls and callbacks from other services' events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_common.events.callbacks import CallbackSnapshot
from frontdoor_common.events.routing import CallSnapshot
from frontdoor_common.privacy.seal import Unsealer, is_sealed
from frontdoor_members.contacts import repository as contacts
from frontdoor_members.dossier import repository
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.dossier.schemas import DossierEntryCreate
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import service as tenants
from frontdoor_members.trends import service as trends

# routing's resolution -> the dossier's outcome
OUTCOMES = {
    "resolved": "resolved_first_line",
    "transferred": "transferred",
    "callback_agreed": "callback_agreed",
    "awaiting_confirmation": "awaiting_confirmation",
    "unresolved": "unresolved",
}


async def add(
    session: AsyncSession,
    notifier: MembersNotifier,
    member: Member,
    *,
    now: datetime,
    kind: str,
    author: str,
    summary: str | None,
    channel: str | None = None,
    reason: str | None = None,
    outcome: str | None = None,
    outcome_date: date | None = None,
    noted_on: date | None = None,
    call_id: uuid.UUID | None = None,
    callback_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
    source_event_id: str | None = None,
    trend_call_id: uuid.UUID | None = None,
) -> DossierEntry:
    """Write an entry (with the member's department now, for trends) and announce it; it happened
    `occurred_at` (default: `now`, when it is written)."""
    at = occurred_at or now
    entry = DossierEntry(
        tenant_id=member.tenant_id,
        member_id=member.id,
        kind=kind,
        channel=channel,
        reason=reason,
        summary=summary,
        outcome=outcome,
        outcome_date=outcome_date,
        noted_on=noted_on or at.date(),
        call_id=call_id,
        callback_id=callback_id,
        contact_id=contact_id,
        agent_id=agent_id,
        author=author,
        department_id=member.department_id,
        occurred_at=at,
        created_at=now,
        source_event_id=source_event_id,
    )
    session.add(entry)
    await session.flush()
    if kind == "log":  # an agent's note is a contact (merged with its call's, if it has one)
        await trends.record_note(session, entry, trend_call_id or call_id, member, contact_id)
    await notifier.entry_added(session, entry)
    return entry


def known_reason(reason: str | None, reasons: list[str]) -> str | None:
    """The reason if it is one of the tenant's, else None (other services' events may lag a change)."""
    return reason if reason is not None and reason in reasons else None


async def write(
    session: AsyncSession,
    principal: Principal,
    notifier: MembersNotifier,
    member_id: uuid.UUID,
    body: DossierEntryCreate,
    *,
    now: datetime,
    default_country: str = "NO",
) -> DossierEntry:
    """An agent's log entry or remark, checked against the tenant's reasons."""
    member = await members.require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, default_country)
    if body.kind == "log" and body.reason is None:
        raise InvalidInput("A log entry needs a reason.", error_id="reason_required", field="reason")
    if body.reason is not None and body.reason not in rules.reasons:
        raise InvalidInput(
            "reason: not one of the tenant's contact reasons.",
            error_id="unknown_reason",
            field="reason",
            allowed=rules.reasons,
        )
    if body.outcome == "awaiting_confirmation" and body.outcome_date is None:
        raise InvalidInput(
            "outcome_date: the date is required when written confirmation is awaited.",
            error_id="outcome_date_required",
            field="outcome_date",
        )
    contact = None
    if body.contact_id is not None:
        contact = await contacts.get(session, principal.tenant_id, body.contact_id)
        if contact is None:
            raise NotFound("No such contact.", error_id="contact_not_found", field="contact_id")
    return await add(
        session,
        notifier,
        member,
        now=now,
        kind=body.kind,
        author=principal.subject,
        summary=body.summary,
        channel=body.channel,
        reason=body.reason,
        outcome=body.outcome,
        outcome_date=body.outcome_date,
        noted_on=body.noted_on,
        call_id=body.call_id,
        contact_id=body.contact_id,
        # a note written on a call's contact is about that call: one contact for the trends
        trend_call_id=body.call_id or (contact.call_id if contact is not None else None),
    )


async def record_call(
    session: AsyncSession,
    notifier: MembersNotifier,
    tenant_id: str,
    call: CallSnapshot,
    event_id: str,
    reasons: list[str],
    *,
    now: datetime,
    unsealer: Unsealer | None = None,
) -> DossierEntry | None:
    """A completed call with an identified member becomes a 'call' entry (once per call, whichever
    event, completed or a late identification, brings it).

    Routing seals the caller's number (issue 17): it is opened with the unsealer (`unsealer`, else
    the notifier's: the runtime's, handed to it by the composition root). An erased number reads
    as None and the entry names no number; a routing that cannot be reached raises
    `UnsealUnavailable` (the consumer retries the event)."""
    if call.member_id is None or call.tenant_id != tenant_id:
        return None
    member = await members.get(session, tenant_id, call.member_id)
    if member is None:
        return None
    if await repository.exists_for(session, tenant_id, "call", call_id=call.call_id):
        return None
    at = call.completed_at or call.talk_ended_at or call.arrived_at
    outcome = OUTCOMES.get(call.resolution) if call.resolution else None
    number = call.caller_number
    if is_sealed(number):
        number = await (unsealer or notifier.unsealer).unseal(session, tenant_id, number)
    parts = [f"{call.kind.capitalize()} from {number}" if number else call.kind.capitalize()]
    if call.talk_seconds is not None:
        parts.append(f"talk {round(call.talk_seconds)} s")
    if call.transfers:
        parts.append(f"{call.transfers} transfer(s)")
    return await add(
        session,
        notifier,
        member,
        now=now,
        kind="call",
        author="routing",
        summary=", ".join(parts),
        channel="phone",
        reason=known_reason(call.contact_reason, reasons),
        outcome=outcome,
        outcome_date=at.date() if outcome == "awaiting_confirmation" else None,
        call_id=call.call_id,
        callback_id=call.callback_id,
        agent_id=call.agent_id,
        occurred_at=at,
        source_event_id=event_id,
    )


async def record_callback(
    session: AsyncSession,
    notifier: MembersNotifier,
    tenant_id: str,
    callback: CallbackSnapshot,
    event_id: str,
    reasons: list[str],
    *,
    reached: bool,
    now: datetime,
    unsealer: Unsealer | None = None,
) -> DossierEntry | None:
    """A completed or expired callback becomes a 'callback' entry. Callbacks seals the request's
    reason (free text, issue 17): it is opened to match the tenant's reasons (erased: no reason)."""
    if callback.member_id is None or callback.tenant_id != tenant_id:
        return None
    member = await members.get(session, tenant_id, callback.member_id)
    if member is None:
        return None
    summary = (
        f"Callback completed after {callback.attempts} attempt(s)"
        if reached
        else f"Callback expired without reaching the member ({callback.attempts} attempt(s))"
    )
    return await add(
        session,
        notifier,
        member,
        now=now,
        kind="callback",
        author="callbacks",
        summary=summary,
        channel="phone",
        reason=known_reason(await (unsealer or notifier.unsealer).unseal(session, tenant_id, callback.reason), reasons),
        outcome=None if reached else "unresolved",
        callback_id=callback.callback_id,
        call_id=callback.original_call_id,
        agent_id=callback.agent_id,
        source_event_id=event_id,
    )


async def entries(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, kind: str | None, offset: int, limit: int
) -> tuple[Member, list[DossierEntry]]:
    """The member (404 for no such member) and their entries, newest first."""
    member = await members.require(session, tenant_id, member_id)
    return member, await repository.entries(session, tenant_id, member.id, kind=kind, offset=offset, limit=limit)
