"""A tenant's courses and events, and members' sign-ups to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Uuid, text
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_members.models import MembersModel


class Course(MembersModel, table=True):
    """A course or event: its seats, who may attend (departments; none listed: everyone) and the
    sign-up deadline. `seats_taken` counts the confirmed sign-ups and `waiting_seq` numbers the
    waiting list; both change only while the row is locked (sign-ups, cancellations, edits)."""

    __tablename__ = "courses"
    __table_args__ = (
        Index("ix_courses_tenant_starts", "tenant_id", "starts_at"),
        # an imported course is found again by its uid in the course system; two imports of the
        # same feed at once cannot both create it (NULLs, the API's own courses, never collide)
        Index("uq_courses_tenant_source_uid", "tenant_id", "source", "external_uid", unique=True),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    place: str | None = Field(default=None, max_length=200)
    seats: int
    seats_taken: int = 0
    waiting_seq: int = 0
    signup_deadline: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    department_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16)  # open | cancelled
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Imported courses (courses/feed.py): the feed's name for the course system, the entry's uid
    # there, and a hash of the entry as last imported (a feed entry unchanged since leaves local edits be).
    source: str | None = Field(default=None, max_length=40)
    external_uid: str | None = Field(default=None, max_length=300)
    import_hash: str | None = Field(default=None, max_length=64)


class CourseFeed(MembersModel, table=True):
    """A tenant's course feed: the URL a worker fetches every `refresh_minutes` and imports, and
    how the last run went (its report, bounded, or the fixed code of its error)."""

    __tablename__ = "course_feeds"

    tenant_id: str = Field(max_length=64, primary_key=True)
    url: str = Field(max_length=2000)
    format: str = Field(max_length=16)  # ical | csv
    source: str = Field(max_length=40)
    refresh_minutes: int
    default_seats: int | None = None
    next_run_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status: str | None = Field(default=None, max_length=16)  # ok | error
    last_error: str | None = Field(default=None, max_length=500)
    last_report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CourseSignup(MembersModel, table=True):
    """A member's sign-up: confirmed (has a seat), waiting (`queue_number` orders the waiting
    list), cancelled, or course_cancelled. One active (confirmed or waiting) sign-up per member
    and course."""

    __tablename__ = "course_signups"
    __table_args__ = (
        Index(
            "uq_course_signups_active",
            "course_id",
            "member_id",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'waiting')"),
            postgresql_where=text("status IN ('confirmed', 'waiting')"),
        ),
        Index("ix_course_signups_course_status", "course_id", "status", "queue_number"),
        Index("ix_course_signups_member", "member_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    course_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("courses.id", ondelete="CASCADE"), nullable=False))
    member_id: uuid.UUID = Field(sa_column=Column(Uuid(), ForeignKey("members.id", ondelete="CASCADE"), nullable=False))
    status: str = Field(max_length=16)  # confirmed | waiting | cancelled | course_cancelled
    queue_number: int | None = None  # set while waiting: the waiting list's order
    author: str = Field(max_length=200)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    promoted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
