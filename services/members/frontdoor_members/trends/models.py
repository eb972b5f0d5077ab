"""One row per contact, for the reason trends."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class ContactRecord(MembersModel, table=True):
    """A contact as the trends count it: a call (keyed by call id; the note written about it
    merges into the same row), the notes on one contact session without a call (keyed by the
    contact), or a note tied to neither (keyed by its dossier entry).
    Calls from non-members have a row too (member_id null)."""

    __tablename__ = "contact_records"
    __table_args__ = (
        UniqueConstraint("tenant_id", "call_id", name="uq_contact_records_tenant_call"),
        Index("uq_contact_records_tenant_contact", "tenant_id", "contact_id", unique=True),
        Index("ix_contact_records_tenant_time", "tenant_id", "occurred_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    call_id: uuid.UUID | None = None
    entry_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None  # notes on one contact session (not a call) are one contact
    member_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=16)
    # when the contact happened: the call's arrival once routing has told us, else the note's time
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    dated_by_call: bool = False
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
