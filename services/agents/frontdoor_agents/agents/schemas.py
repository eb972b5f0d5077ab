"""Agents, teams and queue memberships as the API shows them."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field

from frontdoor_agents.hours.schemas import WeeklyRule
from frontdoor_agents.types import Language, Text, UTCTime, absent
from frontdoor_common.events.agents import QueueMembership


class TeamCreate(BaseModel):
    """A team and its workload target."""

    name: Text = Field(min_length=1, max_length=120)
    target_calls_per_day: int = Field(default=40, ge=1, le=1000)


class TeamUpdate(TeamCreate):
    """A team's new name and workload target (both replaced)."""


class TeamView(BaseModel):
    """A team."""

    id: uuid.UUID
    name: str
    target_calls_per_day: int


class AgentCreate(BaseModel):
    """A new member of staff."""

    name: Text = Field(min_length=1, max_length=200)
    extension: str | None = Field(default=None, pattern=r"^[0-9*#+]{1,32}$")
    languages: list[Language] = Field(default_factory=lambda: ["no"], max_length=20)
    team_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = Field(
        default=None, description="The members service's department whose members this counsellor meets (opaque)"
    )
    working_hours: list[WeeklyRule] | None = Field(
        default=None, description="Weekly working hours in the tenant's time zone; null: not limited by hours"
    )


class AgentUpdate(BaseModel):
    """Changes to an agent. A field left out stays as it is. `extension`, `team_id`, `department_id` and
    `working_hours` may be null (no extension, no team, no department, not limited by working hours);
    `name`, `languages` and `active` may not (422 naming the field)."""

    name: Text = absent(min_length=1, max_length=200)
    extension: str | None = absent(pattern=r"^[0-9*#+]{1,32}$", description="null: no extension")
    languages: list[Language] = absent(max_length=20)
    team_id: uuid.UUID | None = absent(description="null: no team")
    department_id: uuid.UUID | None = absent(description="The members service's department (opaque); null: none")
    working_hours: list[WeeklyRule] | None = absent(description="null: not limited by working hours")
    active: bool = absent()


class AvailabilityNowView(BaseModel):
    """The calendar/hours block routing currently holds for the agent."""

    blocked: bool
    reason: str | None
    until: UTCTime | None
    available: bool


class AgentView(BaseModel):
    """An agent with their presence, queues and current availability."""

    id: uuid.UUID
    name: str
    extension: str | None
    languages: list[str]
    team_id: uuid.UUID | None
    department_id: uuid.UUID | None
    working_hours: list[dict[str, Any]] | None
    active: bool
    presence: str
    presence_reason: str | None
    presence_since: UTCTime
    queues: list[QueueMembership]
    availability: AvailabilityNowView
    created_at: UTCTime


class MembershipUpdate(BaseModel):
    """Proficiency (1-5) in the queue and order within it."""

    proficiency: int = Field(default=3, ge=1, le=5)
    order: int = Field(default=0, ge=0, le=10000)
