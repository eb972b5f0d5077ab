"""The tenant's intake mailboxes, the messages that came in through them, their attachments' metadata
and the agents' replies.

The text of a message and of a reply is personal data: it is stored encrypted with the members
vault (`text_encrypted`), never logged; the event carries none of it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Text, UniqueConstraint, Uuid
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class Mailbox(MembersModel, table=True):
    """One of the tenant's intake addresses or web forms: its name, its address (a recipient of the SMTP
    intake; None for a web form only) and what it tells routing (the reason, the department)."""

    __tablename__ = "mailboxes"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_mailboxes_tenant_name"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    name: str = Field(max_length=64)
    # lower-cased; one owner on the whole platform (the intake finds the tenant by it)
    address: str | None = Field(default=None, max_length=320, unique=True)
    reason: str | None = Field(default=None, max_length=100)
    department_id: uuid.UUID | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Message(MembersModel, table=True):
    """A member's email or web-form message: received until an agent's reply answers it."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_tenant_status", "tenant_id", "status", "received_at"),
        Index("ix_messages_tenant_member", "tenant_id", "member_id"),
        # a mail delivered again (the sender never saw our 250) is the same message: stored once
        UniqueConstraint("tenant_id", "dedup_key", name="uq_messages_tenant_dedup"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    channel: str = Field(max_length=16)  # email | webform
    mailbox: str | None = Field(default=None, max_length=64)
    sender_address: str = Field(max_length=320)
    sender_name: str | None = Field(default=None, max_length=200)
    member_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid(), ForeignKey("members.id", ondelete="SET NULL"), nullable=True)
    )
    identified_by: str | None = Field(default=None, max_length=16)  # email | member_number | agent
    member_number_given: str | None = Field(default=None, max_length=32)
    subject: str = Field(max_length=300)
    text_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    text_chars: int = 0  # characters kept (at most the cap)
    text_truncated: bool = False
    raw_size: int = 0  # bytes of the mail (or of the form's text) as received
    header_message_id: str | None = Field(default=None, max_length=300)
    header_references: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dedup_key: str | None = Field(default=None, max_length=300)
    reason: str | None = Field(default=None, max_length=100)
    department_id: uuid.UUID | None = None
    status: str = Field(default="received", max_length=16)  # received | answered
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dossier_entry_id: uuid.UUID | None = None


class MessageAttachment(MembersModel, table=True):
    """An attachment's metadata; its content is not kept. An executable or a script (by its name's
    extension, its declared type or its first bytes) is flagged quarantined."""

    __tablename__ = "message_attachments"
    __table_args__ = (Index("ix_message_attachments_message", "message_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    message_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False)
    )
    position: int = 0
    filename: str | None = Field(default=None, max_length=200)
    content_type: str = Field(max_length=100)
    size: int = 0
    quarantined: bool = False
    quarantine_reason: str | None = Field(default=None, max_length=32)  # extension | declared_type | content


class MessageReply(MembersModel, table=True):
    """An agent's reply: its text, and the mail in the forwards' mail outbox that carries it."""

    __tablename__ = "message_replies"
    __table_args__ = (Index("ix_message_replies_message", "message_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    message_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False)
    )
    mail_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("mail_outgoing.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    text_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    agent_id: uuid.UUID | None = None
    author: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    dossier_entry_id: uuid.UUID | None = None
