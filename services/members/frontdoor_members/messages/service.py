"""Messages' use cases: receiving (the SMTP intake and the web form take the same path), identifying
the sender, reading (audited), replying by mail, and linking an unidentified message to a member.

Everything in the caller's one transaction; flushes, never commits. The text is encrypted with the
members vault at rest and never logged; events carry ids only.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.auth import Principal
from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_members.audit import service as audit
from frontdoor_members.crypto import Vault
from frontdoor_members.dossier import service as dossier
from frontdoor_members.forwards.models import OutgoingMail
from frontdoor_members.forwards.service import MailQueue
from frontdoor_members.members import repository as members
from frontdoor_members.members.models import Member
from frontdoor_members.messages import repository
from frontdoor_members.messages.models import Mailbox, Message, MessageAttachment, MessageReply
from frontdoor_members.messages.notifier import MessagesNotifier
from frontdoor_members.messages.parsing import AttachmentInfo, clean_text, one_line, plain_address
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.tenants import service as tenants

DOSSIER_EXCERPT = 4000  # characters of a message's text kept in the dossier entry (the keywords read them)
_NUMBER_IN_SUBJECT = re.compile(r"(?<![0-9])[0-9]{5,20}(?![0-9])")
MAX_NUMBERS_TRIED = 5


@dataclass(frozen=True)
class Incoming:
    """A message as it arrived, from the SMTP intake or a web form."""

    channel: str  # email | webform
    sender_address: str  # "" when the mail named no usable address (no reply possible)
    sender_name: str | None
    subject: str
    text: str
    text_truncated: bool
    raw_size: int
    mailbox: Mailbox | None = None
    member_number: str | None = None  # given by a form
    reason: str | None = None
    header_message_id: str | None = None
    header_references: str | None = None
    dedup_key: str | None = None
    attachments: list[AttachmentInfo] = field(default_factory=list)


async def identify(session: AsyncSession, tenant_id: str, incoming: Incoming) -> tuple[Member | None, str | None]:
    """The tenant's member who sent it, and how: by the sender's address (exactly one member has it,
    case-insensitive), else by a member number (the form's, or one in the subject). None when neither
    names exactly one member: an unidentified contact."""
    if incoming.sender_address:
        found = await repository.members_by_email(session, tenant_id, incoming.sender_address)
        if len(found) == 1:
            return found[0], "email"
    numbers = [incoming.member_number] if incoming.member_number else []
    if incoming.channel == "email":
        numbers += _NUMBER_IN_SUBJECT.findall(incoming.subject)[:MAX_NUMBERS_TRIED]
    if numbers:
        candidates = {m.id: m for m in await members.by_numbers(session, tenant_id, numbers)}
        if len(candidates) == 1:
            return next(iter(candidates.values())), "member_number"
    return None, None


# the entry names no address: the keyword worker reads the entry, and an address is no keyword
def _message_entry_summary(message: Message, text: str) -> str:
    what = "Email" if message.channel == "email" else "Web form message"
    return f"{what} received: {message.subject}\n\n{text[:DOSSIER_EXCERPT]}"


def _reply_entry_summary(message: Message, text: str) -> str:
    return f"Reply sent by email: {reply_subject(message.subject)}\n\n{text[:DOSSIER_EXCERPT]}"


async def receive(
    session: AsyncSession,
    vault: Vault,
    notifier: MessagesNotifier,
    members_notifier: MembersNotifier,
    tenant_id: str,
    incoming: Incoming,
    *,
    now: datetime,
) -> tuple[Message, bool]:
    """Store the message, its attachments' metadata, the dossier entry of an identified member and
    members.message.received; True when stored, False when it is a copy of one already received."""
    if incoming.dedup_key is not None:
        already = await repository.by_dedup(session, tenant_id, incoming.dedup_key)
        if already is not None:
            return already, False
    member, identified_by = await identify(session, tenant_id, incoming)
    box = incoming.mailbox
    row = Message(
        tenant_id=tenant_id,
        channel=incoming.channel,
        mailbox=box.name if box is not None else None,
        sender_address=incoming.sender_address,
        sender_name=incoming.sender_name,
        member_id=member.id if member is not None else None,
        identified_by=identified_by,
        member_number_given=incoming.member_number,
        subject=incoming.subject or "(no subject)",
        text_encrypted=vault.encrypt(incoming.text),
        text_chars=len(incoming.text),
        text_truncated=incoming.text_truncated,
        raw_size=incoming.raw_size,
        header_message_id=incoming.header_message_id,
        header_references=incoming.header_references,
        dedup_key=incoming.dedup_key,
        reason=incoming.reason or (box.reason if box is not None else None),
        department_id=(box.department_id if box is not None else None)
        or (member.department_id if member is not None else None),
        received_at=now,
    )
    session.add(row)
    await session.flush()
    for position, info in enumerate(incoming.attachments):
        session.add(
            MessageAttachment(
                tenant_id=tenant_id,
                message_id=row.id,
                position=position,
                filename=info.filename,
                content_type=info.content_type,
                size=info.size,
                quarantined=info.quarantine_reason is not None,
                quarantine_reason=info.quarantine_reason,
            )
        )
    if member is not None:
        await _message_in_dossier(session, members_notifier, row, member, incoming.text, now=now)
    await notifier.received(session, row)
    await session.flush()
    return row, True


async def _message_in_dossier(
    session: AsyncSession, notifier: MembersNotifier, row: Message, member: Member, text: str, *, now: datetime
) -> None:
    entry = await dossier.add(
        session,
        notifier,
        member,
        now=now,
        kind="message",
        author=row.channel,
        summary=_message_entry_summary(row, text),
        channel=row.channel,
        reason=row.reason,
        occurred_at=row.received_at,
    )
    row.dossier_entry_id = entry.id


async def require(session: AsyncSession, tenant_id: str, message_id: uuid.UUID) -> Message:
    """The tenant's message (404 otherwise, another tenant's included)."""
    found = await repository.message(session, tenant_id, message_id)
    if found is None:
        raise NotFound("No such message.", error_id="message_not_found")
    return found


@dataclass(frozen=True)
class Opened:
    """A message as read: the row, its text, attachments and replies (each with its text and mail)."""

    message: Message
    text: str
    attachments: list[MessageAttachment]
    replies: list[tuple[MessageReply, OutgoingMail, str]]


async def read(
    session: AsyncSession,
    principal: Principal,
    vault: Vault,
    message_id: uuid.UUID,
    *,
    request_id: str | None,
    now: datetime,
) -> Opened:
    """The message with its text and replies; the read of an identified member's message is audited
    (if the audit cannot be written, the read is refused)."""
    row = await require(session, principal.tenant_id, message_id)
    if row.member_id is not None:
        await audit.record_read(
            session,
            tenant_id=row.tenant_id,
            member_id=row.member_id,
            subject=principal.subject,
            purpose="message_read",
            fields=["message_text"],
            contact_id=None,
            request_id=request_id,
            at=now,
        )
    replies = [(r, m, vault.decrypt(r.text_encrypted)) for r, m in await repository.replies(session, row.id)]
    return Opened(row, vault.decrypt(row.text_encrypted), await repository.attachments(session, row.id), replies)


async def reply_statuses(
    session: AsyncSession, tenant_id: str, message_id: uuid.UUID
) -> list[tuple[MessageReply, OutgoingMail]]:
    """The message's replies and their mail, without decrypting anything (a desk follows a reply's
    mail with this; no personal data is read, so nothing is audited). 404 for another tenant's."""
    row = await require(session, tenant_id, message_id)
    return await repository.replies(session, row.id)


async def page(
    session: AsyncSession,
    tenant_id: str,
    *,
    status: str | None,
    member_id: uuid.UUID | None,
    channel: str | None,
    offset: int,
    limit: int,
) -> list[Message]:
    """A page of the tenant's messages, newest first."""
    return await repository.messages(
        session, tenant_id, status=status, member_id=member_id, channel=channel, offset=offset, limit=limit
    )


def reply_subject(subject: str) -> str:
    """'Re: ' and the subject (once), on one line."""
    base = one_line(subject, 296)
    return base if base.casefold().startswith("re:") else f"Re: {base}"


def reply_message_id(reply_id: uuid.UUID, domain: str) -> str:
    """The reply mail's Message-ID, stable per reply (a re-send after a crash is the same mail)."""
    return f"<reply-{reply_id}@{domain}>"


async def reply(
    session: AsyncSession,
    principal: Principal,
    vault: Vault,
    notifier: MessagesNotifier,
    members_notifier: MembersNotifier,
    queue: MailQueue,
    message_id: uuid.UUID,
    text: str,
    agent_id: uuid.UUID | None,
    *,
    mail_domain: str,
    now: datetime,
) -> tuple[MessageReply, OutgoingMail, Message]:
    """Queue the agent's reply in the mail outbox (In-Reply-To and References set), mark the message
    answered (members.message.answered, the first time) and write the reply in the member's dossier.
    409 when the message has no address to reply to."""
    row = await require(session, principal.tenant_id, message_id)
    text = clean_text(text)
    to = plain_address(row.sender_address)
    if to is None:
        raise Conflict("The message has no address to reply to.", error_id="message_without_reply_address")
    reply_id = uuid.uuid4()
    references = None
    if row.header_message_id:
        references = " ".join(filter(None, [row.header_references, row.header_message_id]))[-2000:].lstrip()
    mail = OutgoingMail(
        tenant_id=row.tenant_id,
        forward_id=None,
        to_address=to,
        subject=reply_subject(row.subject),
        body=text,
        message_id=reply_message_id(reply_id, mail_domain),
        in_reply_to=row.header_message_id,
        references=references,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(mail)
    await session.flush()
    answer = MessageReply(
        id=reply_id,
        tenant_id=row.tenant_id,
        message_id=row.id,
        mail_id=mail.id,
        text_encrypted=vault.encrypt(text),
        agent_id=agent_id,
        author=principal.subject,
        created_at=now,
    )
    session.add(answer)
    await session.flush()
    if row.member_id is not None:
        member = await members.get(session, row.tenant_id, row.member_id)
        if member is not None:
            await _reply_in_dossier(session, members_notifier, row, answer, member, text, now=now)
    if await repository.mark_answered(session, row.id, now):  # conditional: two replies at once announce once
        await session.refresh(row)
        await notifier.answered(session, row, agent_id)
    await session.flush()
    queue.queued(session)
    return answer, mail, row


async def _reply_in_dossier(
    session: AsyncSession,
    notifier: MembersNotifier,
    row: Message,
    answer: MessageReply,
    member: Member,
    text: str,
    *,
    now: datetime,
) -> None:
    entry = await dossier.add(
        session,
        notifier,
        member,
        now=now,
        kind="message",
        author=answer.author,
        summary=_reply_entry_summary(row, text),
        channel="email",
        reason=row.reason,
        agent_id=answer.agent_id,
        occurred_at=answer.created_at,
    )
    answer.dossier_entry_id = entry.id


async def link_member(
    session: AsyncSession,
    principal: Principal,
    vault: Vault,
    members_notifier: MembersNotifier,
    message_id: uuid.UUID,
    member_id: uuid.UUID,
    *,
    now: datetime,
) -> Message:
    """An agent names the member an unidentified message is from: the message and its replies go in
    the member's dossier. The same member again changes nothing; another member is a 409."""
    row = await require(session, principal.tenant_id, message_id)
    if row.member_id == member_id:
        return row
    if row.member_id is not None:
        raise Conflict(
            "The message is already identified as another member's.",
            error_id="message_already_identified",
            field="member_id",
        )
    member = await members.get(session, principal.tenant_id, member_id)
    if member is None:
        raise InvalidInput("No such member.", error_id="member_not_found", field="member_id")
    row.member_id, row.identified_by = member.id, "agent"
    if row.department_id is None:
        row.department_id = member.department_id
    await session.flush()
    await _message_in_dossier(session, members_notifier, row, member, vault.decrypt(row.text_encrypted), now=now)
    for answer, _mail in await repository.replies(session, row.id):
        text = vault.decrypt(answer.text_encrypted)
        await _reply_in_dossier(session, members_notifier, row, answer, member, text, now=now)
    await session.flush()
    return row


async def checked_reason(session: AsyncSession, tenant_id: str, reason: str | None, default_country: str) -> str | None:
    """The form's reason if it is one of the tenant's (else 422 naming `reason`)."""
    if reason is not None and reason not in (await tenants.rules(session, tenant_id, default_country)).reasons:
        raise InvalidInput(
            "reason: not one of the tenant's contact reasons.", error_id="unknown_reason", field="reason"
        )
    return reason
