"""The dossier: log entries, remarks, calls and callbacks on a member's record."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Text, Uuid, text
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class DossierEntry(MembersModel, table=True):
    """One entry in a member's history."""

    __tablename__ = "dossier_entries"
    __table_args__ = (
        Index("ix_dossier_member_time", "tenant_id", "member_id", "occurred_at"),
        Index("ix_dossier_tenant_time", "tenant_id", "occurred_at"),
        Index("ix_dossier_call", "tenant_id", "call_id"),
        # one call entry per call, whichever event (completed, identified) wrote it
        Index(
            "uq_dossier_call_entry",
            "tenant_id",
            "call_id",
            unique=True,
            sqlite_where=text("kind = 'call'"),
            postgresql_where=text("kind = 'call'"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("members.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=16)  # log | remark | call | callback | membership
    channel: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=100)
    summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    outcome: str | None = Field(default=None, max_length=32)
    outcome_date: date | None = None
    noted_on: date
    call_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    author: str = Field(max_length=200)
    department_id: uuid.UUID | None = None  # the member's department then (for trends)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    source_event_id: str | None = Field(default=None, max_length=64, unique=True)
