"""Calendar events and feeds as the API shows them."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import AwareDatetime, BaseModel, Field

from frontdoor_agents.types import Text, UTCTime


class CalendarEventCreate(BaseModel):
    """A timed event (start and end) or an all-day event (date, and end_date for several days)."""

    title: Text = Field(min_length=1, max_length=500)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    date: dt.date | None = Field(default=None, description="All-day: blocks the agent's working day")
    end_date: dt.date | None = Field(default=None, description="All-day over several days: the last day (inclusive)")


class CalendarEventView(BaseModel):
    """A stored calendar event."""

    id: uuid.UUID
    title: str
    start: UTCTime | None
    end: UTCTime | None
    date: dt.date | None
    end_date: dt.date | None
    all_day: bool


class FeedUpdate(BaseModel):
    """An iCalendar feed: the URL an Outlook or Google calendar publishes, or the text itself."""

    url: Text | None = Field(default=None, max_length=2000, pattern=r"^(https?|webcal)://")
    ics: Text | None = Field(default=None, max_length=5_000_000)


class FeedView(BaseModel):
    """How the agent's feed is doing; the last good copy is used while fetching fails."""

    agent_id: uuid.UUID
    url: str | None
    status: str
    last_error: str | None
    last_attempt_at: UTCTime | None
    last_success_at: UTCTime | None
    has_copy: bool
