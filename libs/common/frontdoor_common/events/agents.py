"""Events published by the agents service on `frontdoor.agents.v1`.

Routing builds its view of who can take calls from these alone (plus a reconcile
through `GET /v1/agents/snapshots` at start). Extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

Presence = Literal["available", "on_call", "wrap_up", "away", "logged_out"]


class QueueMembership(BaseModel):
    """An agent's membership of a queue."""

    queue_id: uuid.UUID
    proficiency: int = 3  # 1-5
    order: int = 0


class AgentSnapshot(BaseModel):
    """An agent's routing-relevant state at a moment."""

    agent_id: uuid.UUID
    tenant_id: str
    name: str
    extension: str | None = None
    languages: list[str] = []
    team_id: uuid.UUID | None = None
    # The members service's department whose members this counsellor meets (an opaque id), if any.
    department_id: uuid.UUID | None = None
    presence: Presence = "logged_out"
    presence_reason: str | None = None
    presence_since: datetime | None = None
    # Calendar and working hours: blocked means routing must not offer, whatever the presence.
    blocked: bool = False
    blocked_reason: str | None = None  # "meeting", "all_day", "outside_working_hours", ...
    blocked_until: datetime | None = None
    # available = presence is available and not blocked: what routing needs.
    available: bool = False
    queues: list[QueueMembership] = []
    active: bool = True


class AgentEvent(Event):
    """Base of agent events: keyed by agent id."""

    topic = topics.AGENTS
    current: AgentSnapshot
    previous: AgentSnapshot | None = None
    at: datetime

    def key(self) -> str:
        return str(self.current.agent_id)


class AgentUpserted(AgentEvent):
    """An agent was created or their profile (name, languages, team) changed."""

    name = "agents.agent.upserted"


class AgentPresenceChanged(AgentEvent):
    """The agent's phone status changed (available, on call, wrap-up, away, logged out)."""

    name = "agents.agent.presence_changed"


class AgentQueuesChanged(AgentEvent):
    """The agent joined or left a queue, or their proficiency changed."""

    name = "agents.agent.queues_changed"


class AgentAvailabilityChanged(AgentEvent):
    """A calendar block or working-hours boundary started or ended, at that moment."""

    name = "agents.agent.availability_changed"


class QueueOpeningChanged(Event):
    """A queue (or the whole tenant when queue_id is null) opened or closed."""

    name = "agents.opening.changed"
    topic = topics.AGENTS
    tenant_id: str
    queue_id: uuid.UUID | None = None
    open: bool
    reason: Literal["hours", "holiday", "closure", "manual"] = "hours"
    at: datetime
    next_change_at: datetime | None = None

    def key(self) -> str:
        return str(self.queue_id or self.tenant_id)


# Away reasons (a tenant may configure its own list) and, for logged_out, "vacation" and "leave".
PresenceReason = Literal[
    "break", "meeting", "training", "not_responding", "lunch", "admin", "other", "vacation", "leave"
]


class TenantSettingsChanged(Event):
    """The tenant's time zone or country was set (published on every change and at seed).
    Other services use it for local days (KPIs, reports) instead of guessing UTC."""

    name = "agents.tenant.settings_changed"
    topic = topics.AGENTS
    tenant_id: str
    timezone: str
    country: str | None = None
    at: datetime

    def key(self) -> str:
        return self.tenant_id


MeetingStatus = Literal["booked", "cancelled", "no_show"]


class MeetingEvent(Event):
    """Base of meeting events (meetings with counsellors): ids and times only, keyed by meeting id.

    A case system or the members service can follow a member's meetings from these; the member is
    an opaque id the agents service stores but does not know."""

    topic = topics.AGENTS
    meeting_id: uuid.UUID
    tenant_id: str
    kind: str
    counsellor_id: uuid.UUID
    member_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus
    at: datetime

    def key(self) -> str:
        return str(self.meeting_id)


class MeetingBooked(MeetingEvent):
    """A meeting with a counsellor was booked (the slot is the counsellor's now: calls go elsewhere then)."""

    name = "agents.meeting.booked"


class MeetingRescheduled(MeetingEvent):
    """A meeting moved to another time; `previous_starts_at` is when it was."""

    name = "agents.meeting.rescheduled"
    previous_starts_at: datetime
    previous_ends_at: datetime


class MeetingCancelled(MeetingEvent):
    """A meeting was cancelled (its slot is free again)."""

    name = "agents.meeting.cancelled"


class MeetingNoShow(MeetingEvent):
    """The member did not come to the meeting."""

    name = "agents.meeting.no_show"
