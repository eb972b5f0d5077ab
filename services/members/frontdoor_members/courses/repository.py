"""Queries on courses and sign-ups (always scoped by tenant)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_members.courses.models import Course, CourseFeed, CourseSignup
from frontdoor_members.tenants.models import Department

ACTIVE = ("confirmed", "waiting")


async def course(session: AsyncSession, tenant_id: str, course_id: uuid.UUID, *, lock: bool = False) -> Course | None:
    """The tenant's course; `lock`: locked until the transaction ends (FOR UPDATE on PostgreSQL;
    SQLite's writers are serialised by BEGIN IMMEDIATE) and read afresh."""
    query = select(Course).where(col(Course.tenant_id) == tenant_id, col(Course.id) == course_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def courses(
    session: AsyncSession, tenant_id: str, *, start: datetime, end: datetime | None, offset: int, limit: int
) -> list[Course]:
    """A page of the tenant's courses starting from `start` (before `end`), the soonest first."""
    query = select(Course).where(col(Course.tenant_id) == tenant_id, col(Course.starts_at) >= start)
    if end is not None:
        query = query.where(col(Course.starts_at) < end)
    query = query.order_by(col(Course.starts_at), col(Course.id)).offset(offset).limit(limit)
    return list(await session.scalars(query))


async def waiting_counts(session: AsyncSession, course_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many wait on each course's waiting list."""
    if not course_ids:
        return {}
    rows = await session.execute(
        select(col(CourseSignup.course_id), func.count())
        .where(col(CourseSignup.course_id).in_(course_ids), col(CourseSignup.status) == "waiting")
        .group_by(col(CourseSignup.course_id))
    )
    return {course_id: int(n) for course_id, n in rows.all()}


async def signup(
    session: AsyncSession, tenant_id: str, signup_id: uuid.UUID, *, fresh: bool = False
) -> CourseSignup | None:
    """The tenant's sign-up (`fresh`: read again from the database, not the session's copy)."""
    query = select(CourseSignup).where(col(CourseSignup.tenant_id) == tenant_id, col(CourseSignup.id) == signup_id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def active_signup(session: AsyncSession, course_id: uuid.UUID, member_id: uuid.UUID) -> CourseSignup | None:
    """The member's confirmed or waiting sign-up to the course."""
    query = select(CourseSignup).where(
        col(CourseSignup.course_id) == course_id,
        col(CourseSignup.member_id) == member_id,
        col(CourseSignup.status).in_(ACTIVE),
    )
    return (await session.scalars(query)).first()


async def active_signups(session: AsyncSession, course_id: uuid.UUID) -> list[CourseSignup]:
    """The course's confirmed sign-ups, then the waiting list in order."""
    query = (
        select(CourseSignup)
        .where(col(CourseSignup.course_id) == course_id, col(CourseSignup.status).in_(ACTIVE))
        .execution_options(populate_existing=True)
    )
    rows = list(await session.scalars(query))
    return sorted(rows, key=lambda s: (s.status != "confirmed", s.queue_number or 0, s.created_at, str(s.id)))


async def first_waiting(session: AsyncSession, course_id: uuid.UUID, limit: int) -> list[CourseSignup]:
    """The first `limit` of the course's waiting list (the caller holds the course's lock)."""
    query = (
        select(CourseSignup)
        .where(col(CourseSignup.course_id) == course_id, col(CourseSignup.status) == "waiting")
        .order_by(col(CourseSignup.queue_number), col(CourseSignup.id))
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    return list(await session.scalars(query))


async def position(session: AsyncSession, signup: CourseSignup) -> int | None:
    """A waiting sign-up's place on the waiting list (1 first); None for any other."""
    if signup.status != "waiting" or signup.queue_number is None:
        return None
    ahead = await session.scalar(
        select(func.count())
        .select_from(CourseSignup)
        .where(
            col(CourseSignup.course_id) == signup.course_id,
            col(CourseSignup.status) == "waiting",
            col(CourseSignup.queue_number) < signup.queue_number,
        )
    )
    return int(ahead or 0) + 1


async def member_signups(
    session: AsyncSession, tenant_id: str, member_id: uuid.UUID, *, offset: int, limit: int
) -> list[CourseSignup]:
    """A page of the member's sign-ups, newest first."""
    query = (
        select(CourseSignup)
        .where(col(CourseSignup.tenant_id) == tenant_id, col(CourseSignup.member_id) == member_id)
        .order_by(col(CourseSignup.created_at).desc(), col(CourseSignup.id))
        .offset(offset)
        .limit(limit)
    )
    return list(await session.scalars(query))


async def courses_by_id(session: AsyncSession, tenant_id: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, Course]:
    """The tenant's courses with these ids."""
    if not ids:
        return {}
    rows = await session.scalars(select(Course).where(col(Course.tenant_id) == tenant_id, col(Course.id).in_(ids)))
    return {c.id: c for c in rows}


async def imported(session: AsyncSession, tenant_id: str, source: str, uids: list[str]) -> dict[str, Course]:
    """The tenant's courses imported from `source` with these uids, by uid (read afresh)."""
    found: dict[str, Course] = {}
    for start in range(0, len(uids), 500):  # bounded IN lists
        rows = await session.scalars(
            select(Course)
            .where(
                col(Course.tenant_id) == tenant_id,
                col(Course.source) == source,
                col(Course.external_uid).in_(uids[start : start + 500]),
            )
            .execution_options(populate_existing=True)
        )
        found.update({c.external_uid: c for c in rows if c.external_uid is not None})
    return found


async def upcoming_imported(
    session: AsyncSession, tenant_id: str, source: str, *, start: datetime, limit: int
) -> list[tuple[uuid.UUID, str]]:
    """(id, uid) of the tenant's open courses from `source` starting at or after `start`, the soonest first."""
    rows = await session.execute(
        select(col(Course.id), col(Course.external_uid))
        .where(
            col(Course.tenant_id) == tenant_id,
            col(Course.source) == source,
            col(Course.status) == "open",
            col(Course.starts_at) >= start,
        )
        .order_by(col(Course.starts_at), col(Course.id))
        .limit(limit)
    )
    return [(i, u) for i, u in rows.all() if u is not None]


async def department_keys(session: AsyncSession, tenant_id: str) -> dict[str, uuid.UUID]:
    """The tenant's departments by code (lower case) and by id."""
    rows = await session.execute(
        select(col(Department.id), col(Department.code)).where(col(Department.tenant_id) == tenant_id)
    )
    keys: dict[str, uuid.UUID] = {}
    for department_id, code in rows.all():
        keys[code.lower()] = department_id
        keys[str(department_id)] = department_id
    return keys


async def feed(session: AsyncSession, tenant_id: str, *, lock: bool = False) -> CourseFeed | None:
    """The tenant's course feed (`lock`: until the transaction ends, read afresh)."""
    query = select(CourseFeed).where(col(CourseFeed.tenant_id) == tenant_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def due_feeds(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Tenants whose feed is due, the longest due first."""
    rows = await session.scalars(
        select(col(CourseFeed.tenant_id))
        .where(col(CourseFeed.next_run_at) <= now)
        .order_by(col(CourseFeed.next_run_at))
        .limit(limit)
    )
    return list(rows)
