"""Agents, teams and queue memberships as the API shows them."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field

from frontdoor_agents.hours.schemas import HoursRuleIn
from frontdoor_agents.types import UTCTime
from frontdoor_common.events.agents import QueueMembership

Language = str  # ISO 639-1 codes, checked by the pattern below


class TeamIn(BaseModel):
    """A team and its workload target."""

    name: str = Field(min_length=1, max_length=120)
    target_calls_per_day: int = Field(default=40, ge=1, le=1000)


class TeamOut(BaseModel):
    """A team."""

    id: uuid.UUID
    name: str
    target_calls_per_day: int


class AgentCreate(BaseModel):
    """A new member of staff."""

    name: str = Field(min_length=1, max_length=200)
    extension: str | None = Field(default=None, pattern=r"^[0-9*#+]{1,32}$")
    languages: list[str] = Field(default_factory=lambda: ["no"], max_length=20)
    team_id: uuid.UUID | None = None
    working_hours: list[HoursRuleIn] | None = Field(
        default=None, description="Weekly working hours in the tenant's time zone; null: not limited by hours"
    )


class AgentUpdate(BaseModel):
    """Changes to an agent (only the fields given)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    extension: str | None = Field(default=None, pattern=r"^[0-9*#+]{1,32}$")
    languages: list[str] | None = Field(default=None, max_length=20)
    team_id: uuid.UUID | None = None
    working_hours: list[HoursRuleIn] | None = None
    active: bool | None = None


class AvailabilityNow(BaseModel):
    """The calendar/hours block routing currently holds for the agent."""

    blocked: bool
    reason: str | None
    until: UTCTime | None
    available: bool


class AgentPublic(BaseModel):
    """An agent with their presence, queues and current availability."""

    id: uuid.UUID
    name: str
    extension: str | None
    languages: list[str]
    team_id: uuid.UUID | None
    working_hours: list[dict[str, Any]] | None
    active: bool
    presence: str
    presence_reason: str | None
    presence_since: UTCTime
    queues: list[QueueMembership]
    availability: AvailabilityNow
    created_at: UTCTime


class MembershipIn(BaseModel):
    """Proficiency (1-5) in the queue and order within it."""

    proficiency: int = Field(default=3, ge=1, le=5)
    order: int = Field(default=0, ge=0, le=10000)
