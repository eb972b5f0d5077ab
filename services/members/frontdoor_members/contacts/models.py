"""Contact sessions (a call, mail or chat in progress) and their verification attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Uuid
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class Contact(MembersModel, table=True):
    """A contact in progress and the verification level it reached."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_tenant_call", "tenant_id", "call_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=16)
    caller_number: str | None = Field(default=None, max_length=20)
    call_id: uuid.UUID | None = None
    agent: str = Field(max_length=200)
    recognised_member_id: uuid.UUID | None = None
    candidates: int = 0
    member_id: uuid.UUID | None = None  # the member the verification is about
    level: str = Field(default="none", max_length=32)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    verified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    failed_attempts: int = 0
    locked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    closed_reason: str | None = Field(default=None, max_length=16)  # closed | call_ended


class VerificationAttempt(MembersModel, table=True):
    """One verification attempt on a contact, successful or not (no answers stored)."""

    __tablename__ = "verification_attempts"
    __table_args__ = (
        Index("ix_verification_attempts_member", "tenant_id", "member_id", "at"),
        Index("ix_verification_attempts_number", "tenant_id", "caller_number", "at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    contact_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    method: str = Field(max_length=32)
    success: bool
    failure: str | None = Field(default=None, max_length=64)
    member_id: uuid.UUID | None = None
    caller_number: str | None = Field(default=None, max_length=20)  # the contact's, for the lockout by number
    agent: str = Field(max_length=200)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
