"""Erasure requests (issue 17): one per member, with each service's part of it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class ErasureRequest(MembersModel, table=True):
    """A member's erasure request (art. 17): in_progress until every service reported its part
    (`parts`: service -> {status, done, kept, keys_shredded, completed_at}), then completed.
    One per member and tenant: asking again answers the existing one."""

    __tablename__ = "erasure_requests"
    __table_args__ = (
        Index("uq_erasure_requests_member", "tenant_id", "member_id", unique=True),
        Index("ix_erasure_requests_tenant_time", "tenant_id", "requested_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    # the member's id only (their row becomes a tombstone; this stays so the report names whom it is about)
    member_id: uuid.UUID
    kind: str = Field(default="erasure", max_length=16)  # erasure | objection
    status: str = Field(default="in_progress", max_length=16)  # in_progress | completed
    note: str | None = Field(default=None, max_length=500)
    requested_by: str = Field(max_length=200)
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    parts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
