"""The routing service's tables (its own metadata, its own database)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from frontdoor_common.models import UTCDateTime, new_id


class RoutingModel(SQLModel, registry=registry()):
    """Base of the routing service's SQLModel tables."""


metadata = RoutingModel.metadata


class Queue(RoutingModel, table=True):
    """A queue ("loop"): what callers chose in the IVR, with its service rules."""

    __tablename__ = "queues"
    __table_args__ = (Index("ix_queues_tenant", "tenant_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    name: str = Field(max_length=120)
    ivr_digit: str | None = Field(default=None, max_length=2)
    language: str | None = Field(default=None, max_length=8)
    is_switchboard: bool = False
    service_level_seconds: int = 20
    priority: int = 0
    max_wait_seconds: int | None = None
    callback_offer_seconds: int | None = None
    wrapup_seconds: int = 0
    offer_timeout_seconds: int = 15
    strategy: str = Field(default="longest_idle", max_length=20)
    overflow: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    open: bool = True
    open_reason: str | None = Field(default=None, max_length=20)
    next_change_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    # Messages (emails, web forms) as tasks: which mailboxes and reasons this queue takes, whether
    # it takes the rest (`tasks/routing.py` says how a queue is chosen), and the tasks' target.
    message_mailboxes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_default: bool = False
    task_service_level_seconds: int = 86_400
    # Times come from the service's clock (time is a parameter): set by whoever writes the row.
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Call(RoutingModel, table=True):
    """A call (or a callback task) and its lifecycle; the source of KPIs."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("tenant_id", "cti_call_id", name="uq_calls_tenant_cti"),
        Index("ix_calls_tenant_arrived", "tenant_id", "arrived_at"),
        Index("ix_calls_tenant_state", "tenant_id", "state"),
        Index("ix_calls_member", "tenant_id", "member_id", "answered_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    cti_call_id: str = Field(max_length=200)
    kind: str = Field(default="call", max_length=10)
    caller_number: str | None = Field(default=None, max_length=40)  # E.164 when it parses, else as typed
    caller_suffix: str | None = Field(default=None, max_length=20)  # a switchboard extension ("-111")
    language: str | None = Field(default=None, max_length=8)
    ivr_digit: str | None = Field(default=None, max_length=2)
    queue_id: uuid.UUID | None = None
    original_queue_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    member_candidates: int = 0
    state: str = Field(default="arrived", max_length=20)
    outcome_reason: str | None = Field(default=None, max_length=20)
    priority: int = 0
    preferred_agent_id: uuid.UUID | None = None
    arrived_at: datetime = Field(sa_type=UTCDateTime)
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    entered_queue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    offered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    leg_answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    talk_ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    abandoned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agent_id: uuid.UUID | None = None
    agent_team_id: uuid.UUID | None = None
    talk_seconds: float = 0.0
    wrapup_seconds: float = 0.0
    transfers: int = 0
    transferred_out: bool = False
    transferred_to_number: str | None = Field(default=None, max_length=40)
    resolution: str | None = Field(default=None, max_length=30)
    contact_reason: str | None = Field(default=None, max_length=80)
    callback_id: uuid.UUID | None = None
    service_level_seconds: int | None = None
    # member | ambiguous | unknown (answered), None: no answer yet (retried in the background)
    identify_result: str | None = Field(default=None, max_length=12)
    updated_at: datetime = Field(sa_type=UTCDateTime)  # the service's clock, set by the writer


class AgentView(RoutingModel, table=True):
    """Routing's replica of an agent, built from the agents service's events."""

    __tablename__ = "agent_view"
    __table_args__ = (Index("ix_agent_view_tenant", "tenant_id"),)

    agent_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    team_id: uuid.UUID | None = None
    presence: str = Field(default="logged_out", max_length=20)
    presence_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    blocked: bool = False
    blocked_reason: str | None = Field(default=None, max_length=40)
    active: bool = True
    queues: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    not_responding_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    event_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TenantOpening(RoutingModel, table=True):
    """Whether a tenant as a whole is open (from the agents service's opening events)."""

    __tablename__ = "tenant_opening"

    tenant_id: str = Field(primary_key=True, max_length=64)
    open: bool = True
    reason: str | None = Field(default=None, max_length=20)
    at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_change_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TenantSettings(RoutingModel, table=True):
    """A tenant's time zone and country (from the agents service's settings events)."""

    __tablename__ = "tenant_settings"

    tenant_id: str = Field(primary_key=True, max_length=64)
    timezone: str = Field(max_length=64)
    country: str | None = Field(default=None, max_length=2)
    at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TenantReasons(RoutingModel, table=True):
    """A tenant's contact reasons (from the members service's events): the one vocabulary."""

    __tablename__ = "tenant_reasons"

    tenant_id: str = Field(primary_key=True, max_length=64)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ShardLease(RoutingModel, table=True):
    """Who holds a shard: the fencing epoch the newest routing process for it took (`engine/fencing.py`)."""

    __tablename__ = "routing_shard_lease"

    # The `shard` setting; "" for an unsharded deployment (one shard, every tenant).
    shard: str = Field(primary_key=True, max_length=64)
    epoch: int
    holder: str = Field(max_length=200)  # host name and process id of the process that took it
    taken_at: datetime = Field(sa_type=UTCDateTime)
