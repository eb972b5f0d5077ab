"""Forwards, the mail outbox that carries them, and follow-ups of members' deadlines."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Text, Uuid
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


def _member_fk() -> Column[uuid.UUID]:
    return Column(Uuid(), ForeignKey("members.id", ondelete="CASCADE"), nullable=False)


class Forward(MembersModel, table=True):
    """An enquiry forwarded to a department: who, to which department, why, and the member's deadline."""

    __tablename__ = "forwards"
    __table_args__ = (Index("ix_forwards_tenant_time", "tenant_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=_member_fk())
    department_id: uuid.UUID
    reason: str = Field(max_length=100)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    deadline: date | None = None
    author: str = Field(max_length=200)
    dossier_entry_id: uuid.UUID | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class OutgoingMail(MembersModel, table=True):
    """A mail to send: pending -> sending (claimed) -> sent, retried with backoff while the relay
    fails; `failed` when the relay refuses it for good or the attempts run out."""

    __tablename__ = "mail_outgoing"
    __table_args__ = (Index("ix_mail_outgoing_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    # the forward it carries; None for another kind of mail (a reply to a member's message, whose row
    # in message_replies points here)
    forward_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid(), ForeignKey("forwards.id", ondelete="CASCADE"), nullable=True, unique=True),
    )
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    message_id: str = Field(max_length=200)  # stable per forward: a re-send after a crash is the same message
    # threading headers of a reply (None for a forward)
    in_reply_to: str | None = Field(default=None, max_length=300)
    references: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=100)  # the error's class (and SMTP code), never its text
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FollowUp(MembersModel, table=True):
    """A member's deadline to watch: open until done, escalated once `escalate_at` passes."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_due", "status", "escalate_at"),
        Index("ix_followups_tenant_status", "tenant_id", "status"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=_member_fk())
    forward_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid(), ForeignKey("forwards.id", ondelete="CASCADE"), nullable=True)
    )
    department_id: uuid.UUID | None = None
    deadline: date
    escalate_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default="open", max_length=16)  # open | escalated | done
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: str | None = Field(default=None, max_length=200)
