"""Calls, mirrored from routing's events (what contacts, the dossier and trends hang on)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class CallRecord(MembersModel, table=True):
    """One routing call: the member it was matched to (at once or later) and how it ended.

    Events about a call can arrive in any order (identified before or after completed), so
    each handler merges into this row and acts on what the row then knows.
    """

    __tablename__ = "call_records"
    __table_args__ = (UniqueConstraint("tenant_id", "call_id", name="uq_call_records_tenant_call"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    call_id: uuid.UUID
    member_id: uuid.UUID | None = None
    end_state: str | None = Field(default=None, max_length=16)  # completed | abandoned | rejected
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    completed: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
