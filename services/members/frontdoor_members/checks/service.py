"""The checklist the texts prescribe on every call, whatever it is about (text 002)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.errors import NotFound
from frontdoor_members.checks.schemas import ChecklistView, CheckView
from frontdoor_members.contacts import repository as contacts
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member


def evaluate(member: Member, registered_numbers: set[str], calling_number: str | None) -> list[CheckView]:
    """What is wrong in the record; fixing the data is what clears each check."""
    found: list[CheckView] = []
    if calling_number is not None and calling_number not in registered_numbers:
        found.append(
            CheckView(
                code="calling_number_differs",
                message="The member calls from a number that is not registered: ask whether to add it.",
                field="phones",
            )
        )
    if not member.email:
        found.append(CheckView(code="email_missing", message="No email address: ask for one.", field="email"))
    if member.returned_mail:
        found.append(
            CheckView(
                code="returned_mail",
                message="Mail to the address came back: ask for the new address (entering it clears the flag).",
                field="address",
            )
        )
    if member.national_id_kind == "placeholder":
        found.append(
            CheckView(
                code="placeholder_national_id",
                message="The national ID is a placeholder: ask for the real one.",
                field="national_id",
            )
        )
    return found


async def for_member(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, contact_id: uuid.UUID | None
) -> ChecklistView:
    """The member's checklist; with a contact, the calling number is compared too."""
    member = await members.require(session, tenant_id, member_id)
    calling = None
    if contact_id is not None:
        contact = await contacts.get(session, tenant_id, contact_id)
        if contact is None:
            raise NotFound("No such contact.", error_id="contact_not_found", field="contact_id")
        calling = contact.caller_number
    registered = {p.e164 for p in await members.phones(session, member.id)}
    found = evaluate(member, registered, calling)
    return ChecklistView(member_id=member.id, contact_id=contact_id, ok=not found, checks=found)
