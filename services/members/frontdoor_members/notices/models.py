"""The notices members asked the SMS gateway to send: kept so a reminder can be withdrawn."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Text, Uuid
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class MemberNotice(MembersModel, table=True):
    """A notice to a member's mobile number: requested (members.notice.requested went out) or
    withdrawn (members.notice.withdrawn went out; the gateway drops it if not sent yet).
    `subject_id` is what it is about (a course, a meeting, a membership change)."""

    __tablename__ = "member_notices"
    __table_args__ = (
        Index("ix_member_notices_subject", "tenant_id", "subject_id", "kind", "status"),
        Index("ix_member_notices_member", "member_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("members.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=32)
    subject_id: uuid.UUID | None = None
    to_number: str = Field(max_length=20)
    body: str = Field(sa_column=Column(Text, nullable=False))
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default="requested", max_length=16)  # requested | withdrawn
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
