"""The tasks table: a member's email or web-form message waiting for, or held by, an agent."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_routing.models import RoutingModel

# The tasks a tenant's core holds: waiting, offered, and held by an agent.
LIVE_TASK_STATES = ("queued", "offered", "accepted")


class Task(RoutingModel, table=True):
    """A message as a task (one per message: `message_id` is unique per tenant); the source of channel KPIs."""

    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_id", name="uq_tasks_tenant_message"),
        Index("ix_tasks_tenant_state", "tenant_id", "state"),
        Index("ix_tasks_tenant_received", "tenant_id", "received_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    message_id: uuid.UUID
    channel: str = Field(max_length=10)  # email | webform
    member_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=80)
    mailbox: str | None = Field(default=None, max_length=120)
    queue_id: uuid.UUID | None = None
    state: str = Field(default="queued", max_length=12)  # queued | offered | accepted | completed | unrouted
    resolution: str | None = Field(default=None, max_length=12)  # answered | done
    received_at: datetime = Field(sa_type=UTCDateTime)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    offered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_id: uuid.UUID | None = None
    service_level_seconds: int
    updated_at: datetime = Field(sa_type=UTCDateTime)
