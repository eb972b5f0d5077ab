"""Presence as the API shows it."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from frontdoor_agents.types import Text, UTCTime
from frontdoor_common.events.agents import Presence


class PresenceUpdate(BaseModel):
    """A phone status: available, on_call, wrap_up, away (with a reason) or logged_out (vacation/leave)."""

    presence: Presence
    reason: Text | None = Field(default=None, max_length=32)


class BoardEntryView(BaseModel):
    """One line of the status board."""

    agent_id: uuid.UUID
    name: str
    extension: str | None
    team_id: uuid.UUID | None
    presence: Presence
    reason: str | None
    since: UTCTime
    blocked: bool
    blocked_reason: str | None
    blocked_until: UTCTime | None
    available: bool
