"""Playbooks: one per reason of the tenant's list, set by its administrator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_members.identity import IdentityError
from frontdoor_members.identity.phone import normalise
from frontdoor_members.playbooks import repository
from frontdoor_members.playbooks.models import Playbook
from frontdoor_members.playbooks.schemas import PlaybookCreate
from frontdoor_members.tenants import service as tenants


async def all_of(session: AsyncSession, tenant_id: str, default_country: str) -> list[Playbook]:
    """The tenant's playbooks for reasons still in its list, by code."""
    reasons = set((await tenants.rules(session, tenant_id, default_country)).reasons)
    return [p for p in await repository.playbooks(session, tenant_id) if p.code in reasons]


async def require(session: AsyncSession, tenant_id: str, code: str, default_country: str) -> Playbook:
    """The tenant's playbook for one of its reasons (404 otherwise, another tenant's included)."""
    reasons = (await tenants.rules(session, tenant_id, default_country)).reasons
    found = await repository.playbook(session, tenant_id, code) if code in reasons else None
    if found is None:
        raise NotFound("No playbook for this reason.", error_id="playbook_not_found")
    return found


def _optional(text: str | None) -> str | None:
    stripped = (text or "").strip()
    return stripped or None


def _number(text: str | None, region: str, field: str) -> str | None:
    """A phone number as E.164 (none when blank); 422 naming `field` when it is not one."""
    number = _optional(text)
    if number is None:
        return None
    try:
        return normalise(number, region)
    except IdentityError:
        raise InvalidInput("Not a valid phone number.", field=field) from None


async def put(
    session: AsyncSession, tenant_id: str, code: str, body: PlaybookCreate, *, default_country: str, now: datetime
) -> Playbook:
    """Set the whole playbook of one of the tenant's reasons; the phone numbers become E.164."""
    rules = await tenants.rules(session, tenant_id, default_country)
    if code not in rules.reasons:
        raise InvalidInput("Not one of the tenant's reasons.", error_id="unknown_reason", field="code")
    number = _number(body.transfer_number, rules.phone_region, "transfer_number")
    fallback = body.fallback_contact
    fallback_number = _number(fallback.number, rules.phone_region, "fallback_contact.number") if fallback else None
    if fallback is not None and fallback_number is None:
        raise InvalidInput("Give the fallback contact's number.", field="fallback_contact.number")
    steps, ask_first = list(body.steps), _optional(body.ask_first)
    stored = await repository.playbook(session, tenant_id, code)
    if stored is None:
        stored = Playbook(tenant_id=tenant_id, code=code, steps=steps, updated_at=now)
        session.add(stored)
    stored.steps, stored.transfer_number, stored.ask_first = steps, number, ask_first
    stored.consult_first = body.consult_first
    stored.fallback_name = fallback.name if fallback else None
    stored.fallback_number = fallback_number
    stored.updated_at = now
    await session.flush()
    return stored


async def delete(session: AsyncSession, tenant_id: str, code: str, default_country: str) -> None:
    """Remove the playbook of one of the tenant's reasons (404 if it has none)."""
    await session.delete(await require(session, tenant_id, code, default_country))
    await session.flush()
