"""Registering and changing members (announced), and listing what hangs on them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import Conflict, InvalidInput
from frontdoor_common.logging import get_logger
from frontdoor_members.crypto import Vault
from frontdoor_members.identity import national_id as nid
from frontdoor_members.members import repository
from frontdoor_members.members.models import Invoice, Member, MemberPhone, PowerOfAttorney
from frontdoor_members.members.parsing import parse_national_id, parse_phones
from frontdoor_members.members.repository import require
from frontdoor_members.members.schemas import Address, MemberCreate, MemberUpdate
from frontdoor_members.membership import service as membership
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import service as tenants

log = get_logger(__name__)


def _store_national_id(member: Member, value: nid.NationalId, vault: Vault) -> None:
    member.national_id_encrypted = vault.encrypt(value.value)
    member.national_id_masked = value.masked
    member.national_id_kind = value.kind
    member.national_id_digest = None if value.placeholder else vault.digest(value.value)


async def _refuse_duplicate(
    session: AsyncSession, vault: Vault, tenant_id: str, value: nid.NationalId, member_id: uuid.UUID | None
) -> None:
    """One member per person: a real national ID already on another of the tenant's members is a 409."""
    if value.placeholder:
        return
    other = await repository.by_national_id_digest(session, tenant_id, vault.digests(value.value))
    if other is not None and other.id != member_id:
        raise Conflict("A member with this national ID exists.", error_id="national_id_taken", field="national_id")


async def _flush_unique(session: AsyncSession) -> None:
    """Flush; two requests racing past the checks meet the unique keys, and the loser gets a 409."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Conflict("A member with this member number or national ID exists.", error_id="member_exists") from None


def _set_address(member: Member, address: Address | None) -> None:
    member.address_line1 = address.line1 if address else None
    member.address_line2 = address.line2 if address else None
    member.postal_code = address.postal_code if address else None
    member.city = address.city if address else None
    member.address_country = address.country if address else None


async def create(
    session: AsyncSession,
    principal: Principal,
    notifier: MembersNotifier,
    vault: Vault,
    body: MemberCreate,
    *,
    now: datetime,
    default_country: str = "NO",
) -> tuple[Member, list[MemberPhone]]:
    """Register a member: validated, encrypted, department by workplace, announced."""
    tenant_id = principal.tenant_id
    rules = await tenants.rules(session, tenant_id, default_country)
    identity = parse_national_id(body.national_id, rules) if body.national_id else None
    phones = parse_phones(body.phones, rules.phone_region)
    if await repository.by_number(session, tenant_id, body.member_number) is not None:
        raise Conflict(
            "A member with this member number exists.", error_id="member_number_taken", field="member_number"
        )

    department_id = body.department_id
    if department_id is not None:
        await tenants.require_department(session, tenant_id, department_id, "department_id")
    else:
        found = await tenants.department_for_workplace(session, tenant_id, body.workplace)
        department_id = found.id if found else None
    if identity is not None:
        await _refuse_duplicate(session, vault, tenant_id, identity, None)
    data = body.model_dump(exclude={"national_id", "phones", "address", "joining", "department_id", "email"})
    member = Member(
        tenant_id=tenant_id,
        department_id=department_id,
        email=str(body.email) if body.email else None,
        created_at=now,
        updated_at=now,
        **data,
    )
    if body.joining:
        member.status = "applicant"
    if identity is not None:
        _store_national_id(member, identity, vault)
    _set_address(member, body.address)
    session.add(member)
    await _flush_unique(session)
    rows = await repository.replace_phones(session, tenant_id, member.id, phones)
    await session.flush()
    await notifier.member_created(session, member, rows)
    if body.joining:
        await membership.request_join(session, principal, notifier, member, now=now)
    return member, rows


async def update(
    session: AsyncSession,
    principal: Principal,
    notifier: MembersNotifier,
    vault: Vault,
    member_id: uuid.UUID,
    body: MemberUpdate,
    *,
    now: datetime,
    default_country: str = "NO",
) -> tuple[Member, list[MemberPhone]]:
    """Change the given fields; a new address clears the returned-mail flag unless told otherwise."""
    member = await require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, default_country)
    given = body.model_fields_set
    _refuse_membership_changes(member, body)
    changed: set[str] = set()
    if "national_id" in given:
        identity = parse_national_id(body.national_id, rules)
        await _refuse_duplicate(session, vault, member.tenant_id, identity, member.id)
        _store_national_id(member, identity, vault)
        changed.add("national_id")
    phones = None
    if "phones" in given:
        phones = parse_phones(body.phones, rules.phone_region)
    for name in (
        "first_name",
        "last_name",
        "employer",
        "workplace",
        "status",
        "category",
        "is_shop_steward",
        "shop_steward_name",
        "insurances",
    ):
        if name in given:
            value = getattr(body, name)
            if getattr(member, name) != value:
                setattr(member, name, value)
                changed.add(name)
    if "email" in given:
        email = str(body.email) if body.email else None
        if email != member.email:
            member.email = email
            changed.add("email")
    if "address" in given:
        _set_address(member, body.address)
        changed.add("address")
        if member.returned_mail and "returned_mail" not in given:
            member.returned_mail = False  # a new address answers the returned mail
            changed.add("returned_mail")
    if "returned_mail" in given and body.returned_mail != member.returned_mail:
        member.returned_mail = body.returned_mail
        changed.add("returned_mail")
    if phones is not None:
        rows = await repository.replace_phones(session, principal.tenant_id, member.id, phones)
        changed.add("phones")
    else:
        rows = await repository.phones(session, member.id)
    if changed:
        member.updated_at = now
        await _flush_unique(session)
        await notifier.member_updated(session, member, rows, sorted(changed))
    return member, rows


async def invoices(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[Invoice]:
    """A page of the member's invoices, newest due date first (404 for no such member)."""
    member = await require(session, tenant_id, member_id)
    return await repository.invoices(session, member.id, offset=offset, limit=limit)


async def powers_of_attorney(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[PowerOfAttorney]:
    """A page of the member's active powers of attorney (404 for no such member)."""
    member = await require(session, tenant_id, member_id)
    return await repository.powers_of_attorney(session, member.id, offset=offset, limit=limit)


# Joining, leaving and moving need the member's written confirmation (text 004): only membership
# changes make them. Statuses in between (student, retired, unemployed, on leave) are plain data.
_MEMBERSHIP_STATUSES = {"applicant", "left", "transferred"}


def _refuse_membership_changes(member: Member, body: MemberUpdate) -> None:
    given = body.model_fields_set
    if "department_id" in given and body.department_id != member.department_id:
        raise InvalidInput(
            "department_id: moving to another department awaits the member's written confirmation: use"
            " POST /v1/members/{id}/membership-changes with kind move_department.",
            error_id="use_membership_changes",
            field="department_id",
        )
    moving = {body.status, member.status} & _MEMBERSHIP_STATUSES
    if "status" in given and body.status != member.status and moving:
        raise InvalidInput(
            f"status: {member.status} -> {body.status} is a join, leave or move, which awaits the member's"
            " written confirmation: use POST /v1/members/{id}/membership-changes.",
            error_id="use_membership_changes",
            field="status",
        )
