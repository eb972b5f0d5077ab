"""Course and sign-up shapes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, StringConstraints

from frontdoor_members.patch import PatchModel, Unchanged

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Seats = Annotated[int, Field(ge=1, le=10_000)]


def _plausible(value: datetime) -> datetime:
    """In UTC and within years 2000-2999: no database or conversion meets a time it cannot hold."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range") from None
    if not 2000 <= utc.year <= 2999:
        raise ValueError("must be within the years 2000-2999")
    return utc


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]
SignupStatus = Literal["confirmed", "waiting", "cancelled", "course_cancelled"]


class CourseCreate(BaseModel):
    """POST /v1/courses."""

    title: Title
    starts_at: Moment
    ends_at: Moment = Field(description="after starts_at")
    place: Place | None = Field(default=None, description="none: online, or not decided")
    seats: Seats
    signup_deadline: Moment = Field(description="sign-ups close then; at the latest starts_at")
    department_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=500, description="members of these departments may attend; empty: everyone"
    )


class CourseUpdate(PatchModel):
    """PATCH /v1/courses/{id}: a field left out is unchanged; null clears the place and is refused
    for the other fields (department_ids: send [] to open the course to everyone)."""

    null_hints: ClassVar[dict[str, str]] = {"department_ids": "send [] to open the course to everyone"}

    title: Title = Unchanged()
    starts_at: Moment = Unchanged()
    ends_at: Moment = Unchanged()
    place: Place | None = Field(default=None, description="null: no place")
    seats: Seats = Unchanged(description="not fewer than the confirmed sign-ups; more seats promote the waiting")
    signup_deadline: Moment = Unchanged()
    department_ids: list[uuid.UUID] = Unchanged(max_length=500, description="replaces the list; []: everyone")


class CourseView(BaseModel):
    """A course with its seats taken (confirmed sign-ups) and how many wait."""

    id: uuid.UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    seats: int
    seats_taken: int
    waiting: int
    signup_deadline: datetime
    department_ids: list[uuid.UUID]
    status: Literal["open", "cancelled"]
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    source: str | None = Field(
        default=None, description="imported: the feed's source name (null: made through the API)"
    )
    external_uid: str | None = Field(default=None, description="imported: the entry's uid in the course system")


class SignupCreate(BaseModel):
    """POST /v1/courses/{id}/signups."""

    member_id: uuid.UUID
    waitlist: bool = Field(
        default=True,
        description="when the course is full: true puts the member on the waiting list (201 waiting),"
        " false answers 409 course_full with the waiting_position they would get",
    )


class SignupView(BaseModel):
    """A member's sign-up: confirmed, waiting (with its position, 1 first), cancelled or course_cancelled."""

    id: uuid.UUID
    course_id: uuid.UUID
    course_title: str
    course_starts_at: datetime
    member_id: uuid.UUID
    status: SignupStatus
    position: int | None = Field(description="on the waiting list, 1 first; null otherwise")
    author: str
    created_at: datetime
    confirmed_at: datetime | None
    promoted_at: datetime | None
    cancelled_at: datetime | None


class SignupCancelled(SignupView):
    """The cancelled sign-up, and the waiting sign-up that took its seat, if any."""

    promoted_signup_id: uuid.UUID | None = None


# -- imported feeds (courses/feed.py) -------------------------------------------------------------

Source = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,39}$")]
ImportOutcome = Literal["created", "updated", "unchanged", "cancelled", "refused"]
FeedFormat = Literal["ical", "csv"]


class EntryOutcome(BaseModel):
    """What the import did with one entry of the feed."""

    uid: str = Field(description="the entry's uid in the course system (iCalendar: UID or UID/RECURRENCE-ID)")
    where: str = Field(description="the CSV line or the iCalendar event, e.g. 'line 12', 'event 3'")
    outcome: ImportOutcome
    course_id: uuid.UUID | None = None
    fields: list[str] = Field(default_factory=list, description="updated: the fields changed")
    field: str | None = Field(default=None, description="refused: the field at fault")
    reason: str | None = Field(default=None, description="refused (or unchanged though the feed changed): why")


class MissingCourse(BaseModel):
    """An upcoming course imported earlier from this source that the feed no longer lists (left as it is)."""

    uid: str
    course_id: uuid.UUID


class ImportReport(BaseModel):
    """The import's counts and every entry's outcome; `missing` lists (up to 500 of) the upcoming
    courses of this source the feed no longer has (only when the feed is complete)."""

    source: str
    format: FeedFormat
    entries: int
    counts: dict[str, int] = Field(description="per outcome, and `missing`")
    outcomes: list[EntryOutcome]
    missing: list[MissingCourse]
    outcomes_truncated: bool = Field(default=False, description="a stored report keeps only the first outcomes")


class CourseFeedPut(BaseModel):
    """PUT /v1/course-feed: the URL the course system publishes the catalogue at."""

    url: str = Field(min_length=1, max_length=2000, description="http(s) or webcal; a public address")
    format: FeedFormat
    refresh_minutes: int = Field(default=60, ge=5, le=10_080, description="how often it is fetched and imported")
    source: Source = Field(default="feed", description="the courses' source name (uids are unique per source)")
    default_seats: Seats | None = Field(default=None, description="seats of an entry that gives none")


class CourseFeedView(BaseModel):
    """The tenant's course feed and its last run (its report, or the fixed code of its error)."""

    url: str
    format: FeedFormat
    source: str
    refresh_minutes: int
    default_seats: int | None
    next_run_at: datetime
    last_run_at: datetime | None
    last_status: Literal["ok", "error"] | None
    last_error: str | None = Field(description="a fixed code (and where), never the fetched content")
    last_report: ImportReport | None
    created_at: datetime
    updated_at: datetime
