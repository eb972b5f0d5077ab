"""Meeting kinds, slots and meetings as the API shows and takes them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from frontdoor_agents.types import Text, UTCTime


def _in_bounds(value: datetime) -> datetime:
    # Far-off years overflow when converted to UTC or moved by a meeting's length (a 500): refuse them.
    if value.year < 2000 or value.year > 2999:
        raise ValueError("must be within the years 2000-2999")
    at = value.astimezone(UTC)
    if at.year < 2000 or at.year > 2999:
        raise ValueError("must be within the years 2000-2999")
    return at


Moment = Annotated[AwareDatetime, AfterValidator(_in_bounds)]
"""A time with an offset, within the years 2000-2999, as UTC."""

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class MeetingKindPut(BaseModel):
    """A kind of meeting: its length, how far ahead and how soon it may be booked, and who may hold it."""

    name: Text = Field(min_length=1, max_length=200, examples=["CV meeting"])
    minutes: int = Field(ge=15, le=240, description="Length of the meeting; also the slot grid's step")
    book_ahead_days: int = Field(ge=1, le=365, description="Bookable at most this many days ahead")
    min_notice_minutes: int = Field(ge=0, le=10080, description="Bookable at least this long before it starts")
    counsellor_ids: list[uuid.UUID] = Field(
        max_length=200, description="Staff (agent ids) who may hold it; each must be the tenant's"
    )


class MeetingKindView(BaseModel):
    """A stored meeting kind."""

    code: str
    name: str
    minutes: int
    book_ahead_days: int
    min_notice_minutes: int
    counsellor_ids: list[uuid.UUID]
    updated_at: UTCTime


class SlotView(BaseModel):
    """A free slot: a counsellor free for the whole meeting, inside their hours, not on a holiday."""

    counsellor_id: uuid.UUID
    starts_at: UTCTime
    ends_at: UTCTime


class MeetingCreate(BaseModel):
    """Book a meeting of a kind with a counsellor for a member (an opaque id: the members service's)."""

    kind: str = Code
    counsellor_id: uuid.UUID
    starts_at: Moment
    member_id: uuid.UUID
    department_id: uuid.UUID | None = Field(
        default=None,
        description="The member's department (the members service's id): the counsellor must be of it (422"
        " `counsellor_not_in_department` otherwise), and `next_free` offers only its counsellors",
    )
    note: Text | None = Field(default=None, max_length=2000)


class MeetingReschedule(BaseModel):
    """Move a meeting to another start (same counsellor, same kind)."""

    starts_at: Moment


class MeetingView(BaseModel):
    """A meeting with a counsellor."""

    id: uuid.UUID
    kind: str
    counsellor_id: uuid.UUID
    member_id: uuid.UUID | None = Field(
        description="The member (the members service's id); null once anonymised (erasure, retention)"
    )
    department_id: uuid.UUID | None
    note: str | None
    status: Literal["booked", "cancelled", "no_show"]
    starts_at: UTCTime
    ends_at: UTCTime
    created_at: UTCTime
    updated_at: UTCTime
