"""Membership changes (join, leave, move) awaiting written confirmation."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Uuid
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class MembershipChange(MembersModel, table=True):
    """A requested change of membership and its confirmation."""

    __tablename__ = "membership_changes"
    __table_args__ = (Index("ix_membership_changes_member", "tenant_id", "member_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("members.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=24)  # join | leave | move_department | move_union
    from_department_id: uuid.UUID | None = None
    to_department_id: uuid.UUID | None = None
    to_union: str | None = Field(default=None, max_length=200)
    status: str = Field(default="awaiting_confirmation", max_length=32)
    requested_on: date
    effective_on: date | None = None
    confirmed_on: date | None = None
    confirmation_channel: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=2000)
    requested_by: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
