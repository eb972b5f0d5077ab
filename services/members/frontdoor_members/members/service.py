"""Registering and changing members, and reading them with personal data masked or revealed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.models import utcnow
from frontdoor_members import notifier
from frontdoor_members.audit import service as audit
from frontdoor_members.contacts import repository as contacts
from frontdoor_members.contacts.verification import grants_personal_data
from frontdoor_members.crypto import Vault
from frontdoor_members.identity import IdentityError
from frontdoor_members.identity import national_id as nid
from frontdoor_members.identity.phone import normalise
from frontdoor_members.members import repository
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.members.schemas import Address, MemberCreate, MemberPublic, MemberUpdate, PhoneIn, PhonePublic
from frontdoor_members.tenants import service as tenants
from frontdoor_members.tenants.service import TenantRules

PERSONAL_FIELDS = ["national_id", "address"]


def parse_phones(phones: list[PhoneIn], region: str) -> list[tuple[str, str]]:
    """(E.164, kind) for each number, or a problem naming the bad one."""
    parsed: list[tuple[str, str]] = []
    for i, phone in enumerate(phones):
        try:
            parsed.append((normalise(phone.number, region), phone.kind))
        except IdentityError as exc:
            raise InvalidInput(
                f"phones.{i}.number: {exc}.", error_id="invalid_phone", field=f"phones.{i}.number"
            ) from None
    return parsed


def parse_national_id(raw: str, rules: TenantRules, field: str = "national_id") -> nid.NationalId:
    """The validated national ID, or a problem naming the field (never echoing the value)."""
    try:
        return nid.parse(raw, rules.country)
    except IdentityError as exc:
        raise InvalidInput(f"{field}: {exc}.", error_id="invalid_national_id", field=field) from None


def _store_national_id(member: Member, value: nid.NationalId, vault: Vault) -> None:
    member.national_id_encrypted = vault.encrypt(value.value)
    member.national_id_masked = value.masked
    member.national_id_kind = value.kind


def _set_address(member: Member, address: Address | None) -> None:
    member.address_line1 = address.line1 if address else None
    member.address_line2 = address.line2 if address else None
    member.postal_code = address.postal_code if address else None
    member.city = address.city if address else None
    member.address_country = address.country if address else None


async def require(session: AsyncSession, tenant_id: str, member_id: uuid.UUID) -> Member:
    """The tenant's member, or 404 (also for another tenant's member)."""
    member = await repository.get(session, tenant_id, member_id)
    if member is None:
        raise NotFound("No such member.", error_id="member_not_found")
    return member


async def create(
    session: AsyncSession,
    principal: Principal,
    outbox: Outbox,
    vault: Vault,
    body: MemberCreate,
    *,
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
    data = body.model_dump(exclude={"national_id", "phones", "address", "joining", "department_id", "email"})
    member = Member(
        tenant_id=tenant_id, department_id=department_id, email=str(body.email) if body.email else None, **data
    )
    if body.joining:
        member.status = "applicant"
    if identity is not None:
        _store_national_id(member, identity, vault)
    _set_address(member, body.address)
    session.add(member)
    await session.flush()
    rows = await repository.replace_phones(session, tenant_id, member.id, phones)
    await session.flush()
    await notifier.member_created(session, outbox, member, rows)
    if body.joining:
        from frontdoor_members.membership import service as membership

        await membership.request_join(session, principal, outbox, member)
    return member, rows


async def update(
    session: AsyncSession,
    principal: Principal,
    outbox: Outbox,
    vault: Vault,
    member_id: uuid.UUID,
    body: MemberUpdate,
    *,
    default_country: str = "NO",
) -> tuple[Member, list[MemberPhone]]:
    """Change the given fields; a new address clears the returned-mail flag unless told otherwise."""
    member = await require(session, principal.tenant_id, member_id)
    rules = await tenants.rules(session, principal.tenant_id, default_country)
    given = body.model_fields_set
    changed: set[str] = set()
    if "national_id" in given:
        if body.national_id is None:
            raise InvalidInput("national_id cannot be removed, only replaced.", field="national_id")
        _store_national_id(member, parse_national_id(body.national_id, rules), vault)
        changed.add("national_id")
    phones = None
    if "phones" in given:
        phones = parse_phones(body.phones or [], rules.phone_region)
    if "department_id" in given and body.department_id is not None:
        await tenants.require_department(session, principal.tenant_id, body.department_id, "department_id")
    for name in (
        "first_name",
        "last_name",
        "employer",
        "workplace",
        "department_id",
        "status",
        "category",
        "is_shop_steward",
        "shop_steward_name",
        "insurances",
    ):
        if name in given:
            value = getattr(body, name)
            if value is None and name in ("first_name", "last_name", "status", "category", "is_shop_steward"):
                raise InvalidInput(f"{name} cannot be empty.", field=name)
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
    if "returned_mail" in given and body.returned_mail is not None and body.returned_mail != member.returned_mail:
        member.returned_mail = body.returned_mail
        changed.add("returned_mail")
    if phones is not None:
        rows = await repository.replace_phones(session, principal.tenant_id, member.id, phones)
        changed.add("phones")
    else:
        rows = await repository.phones(session, member.id)
    if changed:
        member.updated_at = utcnow()
        await session.flush()
        await notifier.member_updated(session, outbox, member, rows, sorted(changed))
    return member, rows


@dataclass
class Reveal:
    """What a read may show, and why."""

    national_id: str | None = None
    address: bool = False


def public(member: Member, phones: list[MemberPhone], reveal: Reveal | None = None) -> MemberPublic:
    """The response shape: the national ID masked and the address withheld unless revealed."""
    reveal = reveal or Reveal()
    on_file = member.address_line1 is not None
    address = None
    if on_file and reveal.address:
        address = Address(
            line1=member.address_line1 or "",
            line2=member.address_line2,
            postal_code=member.postal_code or "",
            city=member.city or "",
            country=member.address_country,
        )
    return MemberPublic(
        id=member.id,
        member_number=member.member_number,
        first_name=member.first_name,
        last_name=member.last_name,
        email=member.email,
        employer=member.employer,
        workplace=member.workplace,
        department_id=member.department_id,
        status=member.status,  # type: ignore[arg-type]
        category=member.category,
        is_shop_steward=member.is_shop_steward,
        shop_steward_name=member.shop_steward_name,
        insurances=list(member.insurances),
        national_id=reveal.national_id if reveal.national_id is not None else member.national_id_masked,
        national_id_revealed=reveal.national_id is not None,
        national_id_kind=member.national_id_kind,
        placeholder_national_id=member.national_id_kind == "placeholder",
        phones=[PhonePublic(number=p.e164, kind=p.kind) for p in phones],
        address=address,
        address_on_file=on_file,
        address_revealed=address is not None,
        returned_mail=member.returned_mail,
        joined_on=member.joined_on,
        left_on=member.left_on,
        created_at=member.created_at,
        updated_at=member.updated_at,
    )


async def read(
    session: AsyncSession,
    principal: Principal,
    vault: Vault,
    member_id: uuid.UUID,
    *,
    contact_id: uuid.UUID | None,
    purpose: str,
    request_id: str | None,
) -> MemberPublic:
    """A member; personal data revealed (and the read audited) only for a verified contact and members:pii."""
    member = await require(session, principal.tenant_id, member_id)
    phones = await repository.phones(session, member.id)
    reveal = Reveal()
    if contact_id is not None:
        contact = await contacts.get(session, principal.tenant_id, contact_id)
        if contact is None:
            raise NotFound("No such contact.", error_id="contact_not_found", field="contact_id")
        if principal.has("members:pii") and grants_personal_data(contact, member.id, utcnow()):
            reveal = Reveal(
                national_id=vault.decrypt(member.national_id_encrypted) if member.national_id_encrypted else None,
                address=True,
            )
            await audit.record_read(
                session,
                tenant_id=principal.tenant_id,
                member_id=member.id,
                subject=principal.subject,
                purpose=purpose,
                fields=PERSONAL_FIELDS,
                contact_id=contact.id,
                request_id=request_id,
            )
    return public(member, phones, reveal)


async def reencrypt(session: AsyncSession, vault: Vault, batch: int = 500) -> tuple[int, int]:
    """Re-encrypt every national ID with the newest key; returns (changed, already current)."""
    changed = current = 0
    after: uuid.UUID | None = None
    while True:
        page = await repository.with_national_id(session, after, batch)
        if not page:
            return changed, current
        for member in page:
            assert member.national_id_encrypted is not None
            rotated = vault.rotate(member.national_id_encrypted)
            if rotated is None:
                current += 1
            else:
                member.national_id_encrypted = rotated
                changed += 1
        after = page[-1].id
        await session.flush()
