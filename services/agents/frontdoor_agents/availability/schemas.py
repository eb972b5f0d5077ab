"""Computed availability as the API shows it."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from frontdoor_agents.types import UTCTime


class AvailabilityIntervalView(BaseModel):
    """A span in which the agent is free for calls (as far as calendar and hours go) or blocked, and why."""

    start: UTCTime
    end: UTCTime
    available: bool
    reason: str | None


class AvailabilityView(BaseModel):
    """An agent's computed availability in a window; presence is applied by routing in real time."""

    agent_id: uuid.UUID
    timezone: str
    start: UTCTime
    end: UTCTime
    intervals: list[AvailabilityIntervalView]
    available_seconds: float
