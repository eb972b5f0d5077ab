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


async def put(
    session: AsyncSession, tenant_id: str, code: str, body: PlaybookCreate, *, default_country: str, now: datetime
) -> Playbook:
    """Set the whole playbook of one of the tenant's reasons; the transfer number becomes E.164."""
    rules = await tenants.rules(session, tenant_id, default_country)
    if code not in rules.reasons:
        raise InvalidInput("Not one of the tenant's reasons.", error_id="unknown_reason", field="code")
    number = _optional(body.transfer_number)
    if number is not None:
        try:
            number = normalise(number, rules.phone_region)
        except IdentityError:
            raise InvalidInput("Not a valid phone number.", field="transfer_number") from None
    steps, ask_first = list(body.steps), _optional(body.ask_first)
    stored = await repository.playbook(session, tenant_id, code)
    if stored is None:
        stored = Playbook(
            tenant_id=tenant_id, code=code, steps=steps, transfer_number=number, ask_first=ask_first, updated_at=now
        )
        session.add(stored)
    else:
        stored.steps, stored.transfer_number, stored.ask_first = steps, number, ask_first
        stored.updated_at = now
    await session.flush()
    return stored


async def delete(session: AsyncSession, tenant_id: str, code: str, default_country: str) -> None:
    """Remove the playbook of one of the tenant's reasons (404 if it has none)."""
    await session.delete(await require(session, tenant_id, code, default_country))
    await session.flush()
