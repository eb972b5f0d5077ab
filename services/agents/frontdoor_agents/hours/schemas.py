"""Weekly hours, tenant settings, closures and opening states as the API shows them."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from frontdoor_agents.types import Text, UTCTime, absent

# A host name or an IP literal (IPv6 without brackets).
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = rf"^{_LABEL}(\.{_LABEL})*\.?$|^[0-9A-Fa-f:.]+$"

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WeeklyRule(BaseModel):
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


class TenantSettingsUpdate(BaseModel):
    """A tenant's calendar settings; a field left out stays as it is. Only `subdivision` may be null (none);
    null for any other field is 422 naming it. Setting `country` without `subdivision` clears the subdivision."""

    timezone: Text = absent(max_length=64, examples=["Europe/Oslo"])
    country: Text = absent(min_length=2, max_length=3, examples=["NO"])
    subdivision: Text | None = absent(max_length=16, description="null: none")
    away_reasons: list[Annotated[Text, Field(min_length=1, max_length=32)]] = absent(min_length=1, max_length=50)
    opening_hours: list[WeeklyRule] = absent(max_length=100)
    feed_allow_hosts: list[Annotated[str, Field(max_length=253, pattern=_HOST)]] = absent(
        max_length=50,
        description="Intranet calendar hosts whose feeds may resolve to private addresses (loopback and "
        "link-local stay refused); [] removes them all",
    )


class TenantSettingsView(BaseModel):
    """A tenant's calendar settings (defaults until changed)."""

    timezone: str
    country: str
    subdivision: str | None
    away_reasons: list[str]
    opening_hours: list[dict[str, Any]]
    feed_allow_hosts: list[str] = []


class ClosureCreate(BaseModel):
    """A closure of the whole tenant (no queue_id) or one queue."""

    title: Text = Field(min_length=1, max_length=200)
    start: AwareDatetime
    end: AwareDatetime
    queue_id: uuid.UUID | None = None


class ClosureView(BaseModel):
    """A stored closure."""

    id: uuid.UUID
    title: str
    start: UTCTime
    end: UTCTime
    queue_id: uuid.UUID | None


class QueueHoursUpdate(BaseModel):
    """A queue's own weekly hours; null: the tenant's opening hours apply."""

    hours: list[WeeklyRule] | None


class OpeningView(BaseModel):
    """Whether a queue (or the tenant) is open at a moment, and when that changes."""

    queue_id: uuid.UUID | None
    at: UTCTime
    open: bool
    reason: str
    since: UTCTime
    next_change_at: UTCTime | None


class IntervalView(BaseModel):
    """A half-open interval [start, end)."""

    start: UTCTime
    end: UTCTime


class OpeningHoursView(BaseModel):
    """A queue's weekly hours and the concrete open intervals in a window."""

    queue_id: uuid.UUID
    timezone: str
    weekly: list[dict[str, Any]]
    uses_tenant_hours: bool
    intervals: list[IntervalView]
