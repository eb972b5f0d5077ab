"""Weekly hours, tenant settings, closures and opening states as the API shows them."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from frontdoor_agents.types import UTCTime

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class HoursRuleIn(BaseModel):
    """Open (or working) from start to end, local time, on the listed weekdays."""

    days: list[Day] = Field(min_length=1)
    start: time
    end: time

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: time, info: Any) -> time:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("end must be after start")
        return end

    def stored(self) -> dict[str, Any]:
        """The JSON form kept in the database."""
        return {"days": list(self.days), "start": self.start.strftime("%H:%M"), "end": self.end.strftime("%H:%M")}


class TenantSettingsIn(BaseModel):
    """A tenant's calendar settings."""

    timezone: str | None = Field(default=None, examples=["Europe/Oslo"])
    country: str | None = Field(default=None, min_length=2, max_length=3, examples=["NO"])
    subdivision: str | None = None
    away_reasons: list[str] | None = Field(default=None, min_length=1)
    opening_hours: list[HoursRuleIn] | None = None


class TenantSettingsOut(BaseModel):
    """A tenant's calendar settings (defaults until changed)."""

    timezone: str
    country: str
    subdivision: str | None
    away_reasons: list[str]
    opening_hours: list[dict[str, Any]]


class ClosureIn(BaseModel):
    """A closure of the whole tenant (no queue_id) or one queue."""

    title: str = Field(min_length=1, max_length=200)
    start: AwareDatetime
    end: AwareDatetime
    queue_id: uuid.UUID | None = None


class ClosureOut(BaseModel):
    """A stored closure."""

    id: uuid.UUID
    title: str
    start: UTCTime
    end: UTCTime
    queue_id: uuid.UUID | None


class QueueHoursIn(BaseModel):
    """A queue's own weekly hours; null: the tenant's opening hours apply."""

    hours: list[HoursRuleIn] | None


class OpeningOut(BaseModel):
    """Whether a queue (or the tenant) is open at a moment, and when that changes."""

    queue_id: uuid.UUID | None
    at: UTCTime
    open: bool
    reason: str
    since: UTCTime
    next_change_at: UTCTime | None


class IntervalOut(BaseModel):
    """A half-open interval [start, end)."""

    start: UTCTime
    end: UTCTime


class OpeningHoursOut(BaseModel):
    """A queue's weekly hours and the concrete open intervals in a window."""

    queue_id: uuid.UUID
    timezone: str
    weekly: list[dict[str, Any]]
    uses_tenant_hours: bool
    intervals: list[IntervalOut]
