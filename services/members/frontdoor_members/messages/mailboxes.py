"""The tenant's intake mailboxes and web forms: set, list, remove, and the intake's lookup by address."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_members.messages import repository
from frontdoor_members.messages.models import Mailbox
from frontdoor_members.messages.parsing import plain_address
from frontdoor_members.messages.schemas import MailboxPut
from frontdoor_members.tenants import service as tenants


async def put(
    session: AsyncSession, tenant_id: str, name: str, body: MailboxPut, *, now: datetime, default_country: str
) -> tuple[Mailbox, bool]:
    """Create or replace the tenant's mailbox `name`; True when created. 409 naming `address` when
    another mailbox (this tenant's or another's) has the address; 422 for a reason or department
    not the tenant's."""
    address = None
    if body.address is not None:
        address = plain_address(str(body.address))
        if address is None:
            raise InvalidInput(
                "address: not a single plain address.", error_id="mailbox_address_invalid", field="address"
            )
    if (
        body.reason is not None
        and body.reason not in (await tenants.rules(session, tenant_id, default_country)).reasons
    ):
        raise InvalidInput(
            "reason: not one of the tenant's contact reasons.", error_id="unknown_reason", field="reason"
        )
    if body.department_id is not None:
        await tenants.require_department(session, tenant_id, body.department_id, "department_id")
    found = await repository.mailbox(session, tenant_id, name)
    created = found is None
    row = found or Mailbox(tenant_id=tenant_id, name=name, created_at=now, updated_at=now)
    row.address, row.reason, row.department_id, row.updated_at = address, body.reason, body.department_id, now
    taken = await repository.mailboxes_by_address(session, [address]) if address else []
    if any(m.id != row.id for m in taken):
        raise Conflict(
            "address: another mailbox receives at this address.", error_id="mailbox_address_taken", field="address"
        )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # taken meanwhile by a concurrent request
        raise Conflict(
            "address: another mailbox receives at this address.", error_id="mailbox_address_taken", field="address"
        ) from None
    return row, created


async def remove(session: AsyncSession, tenant_id: str, name: str) -> None:
    """Remove the tenant's mailbox (404 if it has none of this name); its messages stay."""
    found = await repository.mailbox(session, tenant_id, name)
    if found is None:
        raise NotFound("No such mailbox.", error_id="mailbox_not_found")
    await session.delete(found)
    await session.flush()


async def page(session: AsyncSession, tenant_id: str, *, offset: int, limit: int) -> list[Mailbox]:
    """The tenant's mailboxes by name."""
    return await repository.mailboxes(session, tenant_id, offset=offset, limit=limit)


async def require(session: AsyncSession, tenant_id: str, name: str, field: str) -> Mailbox:
    """The tenant's mailbox, or 422 naming `field`."""
    found = await repository.mailbox(session, tenant_id, name)
    if found is None:
        raise InvalidInput("No such mailbox or form.", error_id="mailbox_not_found", field=field)
    return found


async def for_recipients(session: AsyncSession, recipients: Sequence[str]) -> list[Mailbox]:
    """The mailboxes the intake delivers to for these recipients (unknown ones dropped)."""
    addresses = [a for a in (plain_address(r) for r in recipients) if a is not None]
    return await repository.mailboxes_by_address(session, addresses)
