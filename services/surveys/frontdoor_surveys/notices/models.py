"""The notices the members service asked to send: one row per notice id, the SMS it became."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime
from frontdoor_surveys.models import SurveysModel


class Notice(SurveysModel, table=True):
    """A notice (members.notice.requested), keyed by its `notice_id`: a second request with the same
    id (a re-send under a new event id) queues nothing. `sms_id` is its row in the SMS outbox; a
    notice withdrawn before it was requested has none (the request then queues nothing)."""

    __tablename__ = "sms_notices"
    __table_args__ = (Index("ix_sms_notices_tenant_requested", "tenant_id", "requested_at"),)

    notice_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    member_id: uuid.UUID = Field(index=True)
    kind: str = Field(max_length=32)
    sms_id: uuid.UUID | None = None
    withdrawn: bool = False
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
