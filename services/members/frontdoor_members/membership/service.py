"""Joining, leaving and moving: each awaits the member's written confirmation (text 004).

The request is noted in the dossier as a dated remark ("awaiting written confirmation");
the confirmation applies the change and is noted with its date too. Asked to leave or move, the
member gets the department's address by SMS (where to send the confirmation; `notices`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_members.dossier import service as dossier
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.membership import repository
from frontdoor_members.membership.models import MembershipChange
from frontdoor_members.membership.schemas import MembershipChangeCreate, MembershipConfirmationCreate
from frontdoor_members.notices import service as notices
from frontdoor_members.notices.notifier import NoticesNotifier
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import repository as departments
from frontdoor_members.tenants import service as tenants

_WHAT = {
    "join": "joining",
    "leave": "leaving",
    "move_department": "moving to another department",
    "move_union": "moving to another union",
}


async def _reason(session: AsyncSession, tenant_id: str) -> str | None:
    # only a reason from the tenant's own list is written (a tenant may have dropped this one)
    return dossier.known_reason("join_leave_move", (await tenants.rules(session, tenant_id)).reasons)


async def _open(
    session: AsyncSession,
    principal: Principal,
    notifier: MembersNotifier,
    member: Member,
    change: MembershipChange,
    now: datetime,
) -> MembershipChange:
    if await repository.pending(session, member.tenant_id, member.id, change.kind) is not None:
        raise Conflict("A change of this kind already awaits confirmation.", error_id="change_pending", field="kind")
    session.add(change)
    await session.flush()
    await dossier.add(
        session,
        notifier,
        member,
        now=now,
        kind="membership",
        author=principal.subject,
        summary=f"Awaiting the member's written confirmation of {_WHAT[change.kind]} (asked on {change.requested_on}).",
        reason=await _reason(session, member.tenant_id),
        outcome="awaiting_confirmation",
        outcome_date=change.requested_on,
    )
    await notifier.membership_change(session, change)
    return change


async def request_join(
    session: AsyncSession, principal: Principal, notifier: MembersNotifier, member: Member, *, now: datetime
) -> MembershipChange:
    """A new member registered as applicant: awaits the signed membership form."""
    change = MembershipChange(
        tenant_id=member.tenant_id,
        member_id=member.id,
        kind="join",
        to_department_id=member.department_id,
        requested_on=now.date(),
        requested_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    return await _open(session, principal, notifier, member, change, now)


async def request(
    session: AsyncSession,
    principal: Principal,
    notifier: MembersNotifier,
    member_id: uuid.UUID,
    body: MembershipChangeCreate,
    *,
    now: datetime,
    default_country: str = "NO",
) -> MembershipChange:
    """Note a requested leave or move; it awaits written confirmation, which the member sends to
    their department: its address goes to the member by SMS."""
    member = await members.get(session, principal.tenant_id, member_id)
    if member is None:
        raise NotFound("No such member.", error_id="member_not_found")
    if member.status in ("left", "transferred"):
        raise Conflict("The member has already left.", error_id="member_left", field="kind")
    if body.kind == "join":
        if member.status != "applicant":
            raise Conflict("The member has already joined.", error_id="already_member", field="kind")
        return await request_join(session, principal, notifier, member, now=now)
    if body.kind == "move_department":
        if body.to_department_id is None:
            raise InvalidInput("to_department_id is required to move.", field="to_department_id")
        await tenants.require_department(session, principal.tenant_id, body.to_department_id, "to_department_id")
        if body.to_department_id == member.department_id:
            raise InvalidInput("The member is in that department already.", field="to_department_id")
    if body.kind == "move_union" and not body.to_union:
        raise InvalidInput("to_union is required to move to another union.", field="to_union")
    change = MembershipChange(
        tenant_id=member.tenant_id,
        member_id=member.id,
        kind=body.kind,
        from_department_id=member.department_id,
        to_department_id=body.to_department_id if body.kind == "move_department" else None,
        to_union=body.to_union if body.kind == "move_union" else None,
        requested_on=now.date(),
        effective_on=body.effective_on,
        note=body.note,
        requested_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    await _open(session, principal, notifier, member, change, now)
    if change.kind in ("leave", "move_department"):
        await _send_address(session, notifier, member, change, now, default_country)
    return change


async def _send_address(
    session: AsyncSession,
    notifier: MembersNotifier,
    member: Member,
    change: MembershipChange,
    now: datetime,
    default_country: str,
) -> None:
    """The department's name and address (its email: where the written confirmation goes) by SMS:
    the member's department, else the one they move to. None with no department or no address."""
    department_id = change.from_department_id or change.to_department_id
    if department_id is None:
        return
    department = await departments.department(session, member.tenant_id, department_id)
    if department is None or not department.email:
        return
    where = await notices.locale(session, member.tenant_id, default_country, "UTC")
    await notices.tell(
        session,
        NoticesNotifier.beside(notifier),
        where,
        tenant_id=member.tenant_id,
        member_id=member.id,
        kind="department_address",
        subject_id=change.id,
        now=now,
        department=department.name,
        address=department.email,
    )


def _apply(member: Member, change: MembershipChange, effective: date) -> list[str]:
    if change.kind == "join":
        member.status, member.joined_on = "active", effective
        return ["status", "joined_on"]
    if change.kind == "leave":
        member.status, member.left_on = "left", effective
        return ["status", "left_on"]
    if change.kind == "move_department":
        member.department_id = change.to_department_id
        return ["department_id"]
    member.status, member.left_on = "transferred", effective
    return ["status", "left_on"]


async def confirm(
    session: AsyncSession,
    principal: Principal,
    notifier: MembersNotifier,
    change_id: uuid.UUID,
    body: MembershipConfirmationCreate,
    *,
    now: datetime,
) -> MembershipChange:
    """The written confirmation arrived: apply the change, note it with the date."""
    change = await _require(session, principal.tenant_id, change_id)
    member = await members.get(session, principal.tenant_id, change.member_id)
    assert member is not None
    confirmed_on = body.confirmed_on or now.date()
    if confirmed_on < change.requested_on:
        raise InvalidInput("confirmed_on is before the request.", field="confirmed_on")
    change.status = "confirmed"
    change.confirmed_on = confirmed_on
    change.confirmation_channel = body.channel
    change.effective_on = body.effective_on or change.effective_on or confirmed_on
    change.updated_at = now
    changed = _apply(member, change, change.effective_on)
    member.updated_at = now
    await session.flush()
    await dossier.add(
        session,
        notifier,
        member,
        now=now,
        kind="membership",
        author=principal.subject,
        summary=(
            f"Written confirmation of {_WHAT[change.kind]} received by {body.channel} on {confirmed_on};"
            f" effective {change.effective_on}."
        ),
        reason=await _reason(session, member.tenant_id),
        outcome="resolved_first_line",
        noted_on=confirmed_on,
    )
    await notifier.membership_change(session, change)
    await notifier.member_updated(session, member, await members.phones(session, member.id), changed)
    return change


async def cancel(
    session: AsyncSession, principal: Principal, change_id: uuid.UUID, *, now: datetime
) -> MembershipChange:
    """The member changed their mind (or never confirmed)."""
    change = await _require(session, principal.tenant_id, change_id)
    change.status = "cancelled"
    change.updated_at = now
    await session.flush()
    return change


async def _require(session: AsyncSession, tenant_id: str, change_id: uuid.UUID) -> MembershipChange:
    change = await repository.get(session, tenant_id, change_id)
    if change is None:
        raise NotFound("No such membership change.", error_id="membership_change_not_found")
    if change.status != "awaiting_confirmation":
        raise Conflict(f"The change is {change.status} already.", error_id="change_not_pending")
    return change


async def of_member(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[MembershipChange]:
    """The member's changes, newest first (404 for no such member)."""
    member = await members.require(session, tenant_id, member_id)
    return await repository.of_member(session, tenant_id, member.id, offset=offset, limit=limit)
