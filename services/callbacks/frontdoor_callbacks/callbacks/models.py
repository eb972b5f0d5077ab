"""The callback and attempt tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field

from frontdoor_callbacks.models import CallbacksModel
from frontdoor_common.models import UTCDateTime, new_id

OPEN_STATUSES = ("pending", "scheduled", "dispatched", "in_progress")
WAITING_STATUSES = ("pending", "scheduled", "dispatched")  # not yet with an agent: may expire


def open_key(tenant_id: str, number: str, queue_id: uuid.UUID) -> str:
    """The key that allows one open callback per number and queue (NULL once closed)."""
    return f"{tenant_id}|{number}|{queue_id}"


class Callback(CallbacksModel, table=True):
    """A callback request and where it stands."""

    __tablename__ = "callback"
    __table_args__ = (
        Index("ix_callback_tenant_status_due", "tenant_id", "status", "due_at"),
        Index("ix_callback_tenant_requested", "tenant_id", "requested_at"),
        Index("ix_callback_open_key", "open_key", unique=True),
        Index("ix_callback_tenant_original_call", "tenant_id", "original_call_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    number: str = Field(max_length=32)
    member_id: uuid.UUID | None = None
    queue_id: uuid.UUID
    agent_id: uuid.UUID | None = None
    source: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=500)
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(max_length=16)
    attempts: int = 0
    max_attempts: int = 3
    priority: int = 0
    original_call_id: uuid.UUID | None = None
    original_arrived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    not_before: datetime = Field(sa_type=UTCDateTime)  # the earliest it may fall due (retry interval)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    at_risk: bool = False
    dispatches: int = 0
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handling_agent_id: uuid.UUID | None = None
    routing_call_id: uuid.UUID | None = None
    last_outcome: str | None = Field(default=None, max_length=16)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_reason: str | None = Field(default=None, max_length=32)
    requests: int = 1
    needs_reschedule: bool = False  # opening hours changed: the dispatcher recomputes due_at
    hours_guessed: bool = False  # scheduled on guessed hours (agents away): corrected when they are known
    open_key: str | None = Field(default=None, max_length=200)

    @property
    def is_open(self) -> bool:
        """Not completed, failed, expired or cancelled."""
        return self.status in OPEN_STATUSES


class CallbackAttempt(CallbacksModel, table=True):
    """One try at reaching the member."""

    __tablename__ = "callback_attempt"
    __table_args__ = (Index("ix_callback_attempt_callback", "callback_id", "number", unique=True),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    callback_id: uuid.UUID = Field(foreign_key="callback.id")
    tenant_id: str = Field(max_length=64)
    number: int  # 1-based
    outcome: str = Field(max_length=16)
    agent_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=1000)
    dispatch: int = 0  # which dispatch it answered (0: the agent called without one)
    recorded_by: str = Field(default="agent", max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
