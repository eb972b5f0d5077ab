"""The agents service's tables (its own metadata, its own database)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from frontdoor_common.models import UTCDateTime, new_id


class AgentsModel(SQLModel, registry=registry()):
    """Base of the agents service's SQLModel tables."""


metadata = AgentsModel.metadata


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


class TenantConfig(AgentsModel, table=True):
    """A tenant's time zone, country (public holidays), away reasons and opening hours."""

    __tablename__ = "tenant_configs"
    tenant_id: str = Field(primary_key=True, max_length=64)
    timezone: str = Field(max_length=64)
    country: str = Field(max_length=8)
    subdivision: str | None = Field(default=None, max_length=16)
    away_reasons: list[str] = _json()
    opening_hours: list[dict[str, Any]] = _json()
    # Intranet calendar hosts whose feeds may resolve to private addresses (never loopback or link-local).
    feed_allow_hosts: list[str] | None = _json(nullable=True)
    updated_at: datetime = _ts()


class Closure(AgentsModel, table=True):
    """A tenant's own closure (whole tenant, or one queue when queue_id is set)."""

    __tablename__ = "closures"
    __table_args__ = (Index("ix_closures_tenant", "tenant_id"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    queue_id: uuid.UUID | None = None
    title: str = Field(max_length=200)
    start_at: datetime = _ts()
    end_at: datetime = _ts()


class Team(AgentsModel, table=True):
    """A team with its daily workload target (calls handled per agent per working day)."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_teams_tenant_name"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    name: str = Field(max_length=120)
    target_calls_per_day: int = 40


class Agent(AgentsModel, table=True):
    """A member of staff, with their current presence."""

    __tablename__ = "agents"
    __table_args__ = (
        Index("ix_agents_tenant", "tenant_id"),
        UniqueConstraint("tenant_id", "extension", name="uq_agents_tenant_extension"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    extension: str | None = Field(default=None, max_length=32)
    languages: list[str] = _json()
    team_id: uuid.UUID | None = Field(default=None, foreign_key="teams.id")
    # The members service's department (opaque here, like a member id): whose members a counsellor meets.
    department_id: uuid.UUID | None = None
    working_hours: list[dict[str, Any]] | None = _json(nullable=True)
    active: bool = True
    presence: str = Field(default="logged_out", max_length=16)
    presence_reason: str | None = Field(default=None, max_length=32)
    presence_since: datetime = _ts()
    created_at: datetime = _ts()


class Membership(AgentsModel, table=True):
    """An agent's membership of a queue: proficiency 1-5 and order within the queue."""

    __tablename__ = "memberships"
    agent_id: uuid.UUID = Field(primary_key=True, foreign_key="agents.id")
    queue_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    proficiency: int = 3
    order: int = Field(default=0, sa_column=Column("queue_order", Integer, nullable=False))


class Queue(AgentsModel, table=True):
    """A local replica of routing's queues, plus the queue's own opening hours if it has any."""

    __tablename__ = "queues"
    __table_args__ = (Index("ix_queues_tenant", "tenant_id"),)
    queue_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    active: bool = True
    opening_hours: list[dict[str, Any]] | None = _json(nullable=True)
    updated_at: datetime = _ts()


class PresenceLog(AgentsModel, table=True):
    """Presence history: one row per state an agent was in (ended_at null: still in it)."""

    __tablename__ = "presence_log"
    __table_args__ = (
        Index("ix_presence_log_agent", "agent_id", "started_at"),
        Index("ix_presence_log_tenant", "tenant_id"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    agent_id: uuid.UUID
    presence: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=32)
    started_at: datetime = _ts()
    ended_at: datetime | None = _ts(nullable=True)


class CalendarEvent(AgentsModel, table=True):
    """An event entered through the API: timed (start/end) or all-day (dates, end exclusive)."""

    __tablename__ = "calendar_events"
    __table_args__ = (Index("ix_calendar_events_agent", "agent_id"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    agent_id: uuid.UUID = Field(foreign_key="agents.id")
    title: str = Field(max_length=500)
    start_at: datetime | None = _ts(nullable=True)
    end_at: datetime | None = _ts(nullable=True)
    start_date: date | None = None
    end_date: date | None = None
    created_at: datetime = _ts()


class CalendarFeed(AgentsModel, table=True):
    """An agent's iCalendar feed: where it comes from, the last good copy, and how the last fetch went."""

    __tablename__ = "calendar_feeds"
    agent_id: uuid.UUID = Field(primary_key=True, foreign_key="agents.id")
    tenant_id: str = Field(max_length=64)
    url: str | None = Field(default=None, max_length=2000)
    ics: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="pending", max_length=16)
    last_error: str | None = Field(default=None, max_length=1000)
    last_attempt_at: datetime | None = _ts(nullable=True)
    last_success_at: datetime | None = _ts(nullable=True)


class AvailabilityState(AgentsModel, table=True):
    """The calendar/hours block last published for an agent (what routing believes)."""

    __tablename__ = "availability_states"
    agent_id: uuid.UUID = Field(primary_key=True, foreign_key="agents.id")
    tenant_id: str = Field(max_length=64)
    blocked: bool = False
    reason: str | None = Field(default=None, max_length=32)
    since: datetime = _ts()
    until: datetime | None = _ts(nullable=True)


class OpeningState(AgentsModel, table=True):
    """Whether a queue was last published open or closed."""

    __tablename__ = "opening_states"
    queue_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    open: bool
    reason: str = Field(max_length=16)
    since: datetime = _ts()
    next_change_at: datetime | None = _ts(nullable=True)


class CallRecord(AgentsModel, table=True):
    """A call an agent handled, from routing's call events (for workload)."""

    __tablename__ = "call_records"
    __table_args__ = (
        Index("ix_call_records_agent", "agent_id", "answered_at"),
        Index("ix_call_records_tenant", "tenant_id"),
    )
    call_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64)
    agent_id: uuid.UUID
    team_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = None
    answered_at: datetime | None = _ts(nullable=True)
    completed_at: datetime | None = _ts(nullable=True)
    talk_seconds: float = 0.0
    wrapup_seconds: float = 0.0


class MeetingKind(AgentsModel, table=True):
    """A kind of meeting with counsellors (a CV meeting, ...): its length, booking rules and who may hold it."""

    __tablename__ = "meeting_kinds"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_meeting_kinds_tenant_code"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    minutes: int
    book_ahead_days: int
    min_notice_minutes: int
    counsellor_ids: list[str] = _json()
    updated_at: datetime = _ts()


class Meeting(AgentsModel, table=True):
    """A meeting booked with a counsellor; `held_start` is `starts_at` while it holds the slot (null once cancelled).

    An anonymised meeting (the member's erasure, the `bookings` retention window) has no member and no
    note: it stays in the counsellor's calendar and history, and no longer changes."""

    __tablename__ = "meetings"
    __table_args__ = (
        # One meeting per counsellor and start: the database refuses a second booking of the same slot.
        UniqueConstraint("tenant_id", "counsellor_id", "held_start", name="uq_meetings_counsellor_slot"),
        Index("ix_meetings_counsellor", "counsellor_id", "starts_at"),
        Index("ix_meetings_tenant", "tenant_id", "starts_at"),
        Index("ix_meetings_member", "tenant_id", "member_id", "starts_at"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    counsellor_id: uuid.UUID = Field(foreign_key="agents.id")
    # Null once anonymised (the member's erasure, the `bookings` retention window).
    member_id: uuid.UUID | None = None
    # The member's department the booking named (opaque, the members service's), if it named one.
    department_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=2000)
    status: str = Field(default="booked", max_length=16)
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    held_start: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ErasedMember(AgentsModel, table=True):
    """A member whose data was erased, named by the keyed digest of their subject (never the id itself):
    a later booking for them is refused."""

    __tablename__ = "erased_members"
    tenant_id: str = Field(primary_key=True, max_length=64)
    subject: str = Field(primary_key=True, max_length=64)
    erased_at: datetime = _ts()
