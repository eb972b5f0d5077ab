"""A web form's message, sent on by the union's web site: the same path as a received mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_members.crypto import Vault
from frontdoor_members.messages import mailboxes, service
from frontdoor_members.messages.models import Message
from frontdoor_members.messages.notifier import MessagesNotifier
from frontdoor_members.messages.parsing import clean_text, one_line, plain_address
from frontdoor_members.messages.schemas import MessageCreate
from frontdoor_members.notifier import MembersNotifier


async def submit(
    session: AsyncSession,
    principal: Principal,
    vault: Vault,
    notifier: MessagesNotifier,
    members_notifier: MembersNotifier,
    body: MessageCreate,
    *,
    now: datetime,
    default_country: str,
) -> Message:
    """Store the form's message (identified by its address or member number) and announce it; 422
    naming `mailbox` or `reason` when the tenant has no such form or reason."""
    tenant_id = principal.tenant_id
    box = await mailboxes.require(session, tenant_id, body.mailbox, "mailbox") if body.mailbox else None
    reason = await service.checked_reason(session, tenant_id, body.reason, default_country)
    text = clean_text(body.text)
    incoming = service.Incoming(
        channel="webform",
        sender_address=plain_address(str(body.email)) or "",
        sender_name=one_line(body.name, 200),
        subject=one_line(body.subject, 300),
        text=text,
        text_truncated=False,
        raw_size=len(body.text.encode("utf-8", errors="replace")),
        mailbox=box,
        member_number=body.member_number,
        reason=reason,
    )
    row, _created = await service.receive(session, vault, notifier, members_notifier, tenant_id, incoming, now=now)
    return row
