"""Queries on mailboxes, messages, their attachments and replies (every read scoped by tenant, but the
intake's lookup of a recipient address, which finds the tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.forwards.models import OutgoingMail
from frontdoor_members.members.models import Member
from frontdoor_members.messages.models import Mailbox, Message, MessageAttachment, MessageReply


async def mailboxes_by_address(session: AsyncSession, addresses: Sequence[str]) -> list[Mailbox]:
    """The mailboxes of these (lower-cased) addresses, whichever tenant owns them."""
    if not addresses:
        return []
    return list(await session.scalars(select(Mailbox).where(col(Mailbox.address).in_(list(addresses)))))


async def mailbox(session: AsyncSession, tenant_id: str, name: str) -> Mailbox | None:
    """The tenant's mailbox of this name."""
    query = select(Mailbox).where(col(Mailbox.tenant_id) == tenant_id, col(Mailbox.name) == name)
    return (await session.scalars(query)).first()


async def mailboxes(session: AsyncSession, tenant_id: str, *, offset: int, limit: int) -> list[Mailbox]:
    """The tenant's mailboxes by name."""
    query = select(Mailbox).where(col(Mailbox.tenant_id) == tenant_id).order_by(col(Mailbox.name))
    return list(await session.scalars(query.offset(offset).limit(limit)))


async def members_by_email(session: AsyncSession, tenant_id: str, address: str, limit: int = 2) -> list[Member]:
    """The tenant's members with this email address (case-insensitive); at most `limit`."""
    query = select(Member).where(col(Member.tenant_id) == tenant_id, func.lower(col(Member.email)) == address.lower())
    return list(await session.scalars(query.limit(limit)))


async def by_dedup(session: AsyncSession, tenant_id: str, dedup_key: str) -> Message | None:
    """The tenant's message already received with this key."""
    query = select(Message).where(col(Message.tenant_id) == tenant_id, col(Message.dedup_key) == dedup_key)
    return (await session.scalars(query)).first()


async def message(session: AsyncSession, tenant_id: str, message_id: uuid.UUID) -> Message | None:
    """The tenant's message."""
    query = select(Message).where(col(Message.tenant_id) == tenant_id, col(Message.id) == message_id)
    return (await session.scalars(query)).first()


async def messages(
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
    query = select(Message).where(col(Message.tenant_id) == tenant_id)
    if status is not None:
        query = query.where(col(Message.status) == status)
    if member_id is not None:
        query = query.where(col(Message.member_id) == member_id)
    if channel is not None:
        query = query.where(col(Message.channel) == channel)
    query = query.order_by(col(Message.received_at).desc(), col(Message.id)).offset(offset).limit(limit)
    return list(await session.scalars(query))


async def attachments(session: AsyncSession, message_id: uuid.UUID) -> list[MessageAttachment]:
    """A message's attachments in their order."""
    query = (
        select(MessageAttachment)
        .where(col(MessageAttachment.message_id) == message_id)
        .order_by(col(MessageAttachment.position))
    )
    return list(await session.scalars(query))


async def replies(session: AsyncSession, message_id: uuid.UUID) -> list[tuple[MessageReply, OutgoingMail]]:
    """A message's replies, oldest first, with the mail carrying each."""
    query = (
        select(MessageReply, OutgoingMail)
        .join(OutgoingMail, col(OutgoingMail.id) == col(MessageReply.mail_id))
        .where(col(MessageReply.message_id) == message_id)
        .order_by(col(MessageReply.created_at), col(MessageReply.id))
    )
    return [(reply, mail) for reply, mail in (await session.execute(query)).all()]


async def mark_answered(session: AsyncSession, message_id: uuid.UUID, at: datetime) -> bool:
    """Mark the message answered if it is not yet; True when this call did."""
    result = await session.execute(
        update(Message)
        .where(col(Message.id) == message_id, col(Message.status) == "received")
        .values(status="answered", answered_at=at)
    )
    return getattr(result, "rowcount", 0) == 1
