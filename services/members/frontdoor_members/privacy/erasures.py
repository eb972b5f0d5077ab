"""Erasure requests (art. 17): recording one and announcing it, and following each service's report.

`request()` records the request and publishes `members.erasure.requested` in one transaction: the
event names the member and the keyed digests of every subject known to be theirs (the member, each
of their phone numbers, each number members saw them call from), never a number itself. Every
service (members included, through the common privacy consumer) does its part and answers with
`<service>.erasure.completed`; `report()` fills that service's part, and once every service of
`ERASURE_SERVICES` has answered the request is completed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from frontdoor_common.auth import Principal
from frontdoor_common.bus.consumer import EventRouter, Handler
from frontdoor_common.bus.events import Envelope
from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_common.events.privacy import COMPLETED, ERASURE_SERVICES, ErasureCompleted, ErasureRequested
from frontdoor_common.logging import get_logger
from frontdoor_common.privacy.seal import is_sealed, member_subject, phone_subject
from frontdoor_members.calls.models import CallRecord
from frontdoor_members.contacts.models import Contact, VerificationAttempt
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.privacy.models import ErasureRequest
from frontdoor_members.privacy.schemas import ErasurePartView, ErasureView

log = get_logger(__name__)


def _pending() -> dict[str, Any]:
    return {s: ErasurePartView().model_dump(mode="json") for s in ERASURE_SERVICES}


def view(row: ErasureRequest) -> ErasureView:
    """The response shape (a service not heard from yet is pending)."""
    parts = {s: ErasurePartView.model_validate(row.parts.get(s) or {}) for s in ERASURE_SERVICES}
    return ErasureView(
        erasure_id=row.id,
        member_id=row.member_id,
        status="completed" if row.status == "completed" else "in_progress",
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        completed_at=row.completed_at,
        parts=parts,
    )


async def member_row(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, lock: bool = False
) -> Member | None:
    """The tenant's member row, tombstones included (another tenant's member is None)."""
    query = select(Member).where(col(Member.id) == member_id, col(Member.tenant_id) == tenant_id)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def by_member(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> ErasureRequest | None:
    """The member's erasure request, if any."""
    query = select(ErasureRequest).where(
        col(ErasureRequest.tenant_id) == tenant_id, col(ErasureRequest.member_id) == member_id
    )
    return (await session.scalars(query)).first()


async def get(session: AsyncSession, tenant_id: str, erasure_id: uuid.UUID) -> ErasureRequest:
    """The tenant's erasure request, or 404 (also another tenant's)."""
    row = await session.get(ErasureRequest, erasure_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("No such erasure request.", error_id="erasure_not_found")
    return row


async def page(
    session: AsyncSession, tenant_id: str, *, limit: int, cursor: uuid.UUID | None
) -> tuple[list[ErasureRequest], str | None]:
    """Newest first; `cursor` is the last id of the previous page (unknown: 422 naming `cursor`)."""
    query = select(ErasureRequest).where(col(ErasureRequest.tenant_id) == tenant_id)
    if cursor is not None:
        after = await session.get(ErasureRequest, cursor)
        if after is None or after.tenant_id != tenant_id:
            raise InvalidInput("Unknown cursor.", error_id="invalid_cursor", field="cursor")
        query = query.where(
            or_(
                col(ErasureRequest.requested_at) < after.requested_at,
                (col(ErasureRequest.requested_at) == after.requested_at) & (col(ErasureRequest.id) < after.id),
            )
        )
    query = query.order_by(col(ErasureRequest.requested_at).desc(), col(ErasureRequest.id).desc()).limit(limit + 1)
    rows = list(await session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].id) if more and rows else None)


async def known_numbers(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> set[str]:
    """Every number members holds as the member's: their phones, the numbers of contacts recognised
    or verified as them, of their verification attempts and of their calls (sealed values skipped:
    their subject is named by the producer's own request)."""
    numbers: set[str] = set(
        await session.scalars(select(col(MemberPhone.e164)).where(col(MemberPhone.member_id) == member_id))
    )
    contact_numbers = await session.scalars(
        select(col(Contact.caller_number)).where(
            col(Contact.tenant_id) == tenant_id,
            or_(col(Contact.member_id) == member_id, col(Contact.recognised_member_id) == member_id),
            col(Contact.caller_number).is_not(None),
        )
    )
    numbers.update(n for n in contact_numbers if n)
    attempt_numbers = await session.scalars(
        select(col(VerificationAttempt.caller_number)).where(
            col(VerificationAttempt.tenant_id) == tenant_id,
            col(VerificationAttempt.member_id) == member_id,
            col(VerificationAttempt.caller_number).is_not(None),
        )
    )
    numbers.update(n for n in attempt_numbers if n)
    calls = await session.scalars(
        select(col(CallRecord.completed)).where(
            col(CallRecord.tenant_id) == tenant_id,
            col(CallRecord.member_id) == member_id,
            col(CallRecord.completed).is_not(None),
        )
    )
    for completed in calls:
        number = (completed or {}).get("caller_number")
        if isinstance(number, str) and number:
            numbers.add(number)
    return {n.strip() for n in numbers if n and n.strip() and not is_sealed(n)}


def phone_subjects(numbers: Iterable[str]) -> list[str]:
    """The subjects of these numbers, sorted."""
    return sorted({phone_subject(n) for n in numbers})


async def request(
    session: AsyncSession,
    ctx: Any,
    principal: Principal,
    member_id: uuid.UUID,
    note: str | None,
    *,
    now: datetime,
) -> tuple[ErasureRequest, bool]:
    """Record the member's erasure request and publish it (one transaction); (request, created).
    An existing request is answered instead (created False); an unknown or another tenant's member: 404."""
    tenant = principal.tenant_id
    member = await member_row(session, tenant, member_id, lock=True)  # serialises two requests for one member
    if member is None:
        raise NotFound("No such member.", error_id="member_not_found")
    existing = await by_member(session, tenant, member_id)
    if existing is not None:
        return existing, False
    if member.status == "erased":  # erased without a request here (cannot happen through the API)
        raise NotFound("No such member.", error_id="member_not_found")
    row = ErasureRequest(
        tenant_id=tenant,
        member_id=member_id,
        note=note,
        requested_by=principal.subject[:200],
        requested_at=now,
        parts=_pending(),
    )
    session.add(row)
    # From this commit on the member is gone for every reader and every consumer (their events arriving
    # from services doing their part, a meeting's cancellation, must not write to or notify them):
    # members' own part anonymises the row, as every service does its part, from the event.
    member.status = "erased"
    member.updated_at = now  # the phone index's change marker
    session.add(member)
    sealer = ctx.runtime.sealer
    subjects = [member_subject(member_id), *phone_subjects(await known_numbers(session, tenant, member_id))]
    event = ErasureRequested(
        erasure_id=row.id,
        tenant_id=tenant,
        member_id=member_id,
        subjects=[sealer.digest(tenant, s) for s in subjects],
        requested_at=now,
    )
    await ctx.runtime.outbox.add(session, event, tenant=tenant, at=now)
    await session.flush()
    log.info("erasure requested", erasure_id=str(row.id), subjects=len(subjects))
    return row, True


async def report(session: AsyncSession, tenant: str, event: ErasureCompleted) -> bool:
    """Fill the service's part from its report; completes the request once every service has
    answered. Returns whether anything changed (a repeated report changes nothing)."""
    if event.tenant_id != tenant or event.service not in ERASURE_SERVICES:
        return False
    query = select(ErasureRequest).where(
        col(ErasureRequest.id) == event.erasure_id, col(ErasureRequest.tenant_id) == tenant
    )
    row = (await session.scalars(query.with_for_update())).first()
    if row is None or row.member_id != event.member_id:
        return False
    parts = {s: dict(row.parts.get(s) or ErasurePartView().model_dump(mode="json")) for s in ERASURE_SERVICES}
    if parts[event.service].get("status") == "done":
        return False
    parts[event.service] = ErasurePartView(
        status="done",
        done=dict(event.report.done),
        kept=list(event.report.kept),
        keys_shredded=event.report.keys_shredded,
        completed_at=event.completed_at,
    ).model_dump(mode="json")
    row.parts = parts  # a new dict: the JSON column sees the change
    if all(p.get("status") == "done" for p in parts.values()) and row.status != "completed":
        row.status = "completed"
        times = [ErasurePartView.model_validate(p).completed_at for p in parts.values()]
        row.completed_at = max(t for t in times if t is not None)
        log.info("erasure completed", erasure_id=str(row.id))
    session.add(row)
    return True


def _on_completed(service: str, kind: type[ErasureCompleted]) -> Handler:
    async def on_completed(session: AsyncSession, envelope: Envelope) -> None:
        event = kind.parse(envelope)
        if event.service == service:
            await report(session, envelope.tenant, event)

    return on_completed


def reports_handler(_ctx: Any) -> EventRouter:
    """The consumer of every service's `<service>.erasure.completed` (members' own included)."""
    router = EventRouter()
    for service, kind in COMPLETED.items():
        router.on(kind.name)(_on_completed(service, kind))
    return router
