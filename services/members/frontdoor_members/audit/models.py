"""The audit log of personal-data reads."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class PersonalDataRead(MembersModel, table=True):
    """Who read which personal data of which member, why and when."""

    __tablename__ = "personal_data_reads"
    __table_args__ = (Index("ix_personal_data_reads_member", "tenant_id", "member_id", "at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID
    subject: str = Field(max_length=200)
    contact_id: uuid.UUID | None = None
    purpose: str = Field(max_length=100)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    request_id: str | None = Field(default=None, max_length=100)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
