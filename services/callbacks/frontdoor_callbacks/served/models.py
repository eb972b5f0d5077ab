"""Calls routing reports answered (per tenant), kept a while for requests that arrive late."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from frontdoor_callbacks.models import CallbacksModel
from frontdoor_common.models import UTCDateTime


class AnsweredCall(CallbacksModel, table=True):
    """A live call an agent answered: a queue callback for it is no longer wanted."""

    __tablename__ = "answered_call"
    __table_args__ = (Index("ix_answered_call_seen_at", "seen_at"),)

    tenant_id: str = Field(max_length=64, primary_key=True)
    call_id: uuid.UUID = Field(primary_key=True)
    answered_at: datetime = Field(sa_type=UTCDateTime)
    seen_at: datetime = Field(sa_type=UTCDateTime)  # when this service learnt it (for pruning)
