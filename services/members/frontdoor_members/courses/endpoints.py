"""Courses and sign-ups over HTTP. Thin: parse, call the service, return the view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep, MembersContext
from frontdoor_members.courses import service
from frontdoor_members.courses.models import Course, CourseSignup
from frontdoor_members.courses.schemas import (
    CourseCreate,
    CourseUpdate,
    CourseView,
    Moment,
    SignupCancelled,
    SignupCreate,
    SignupView,
)
from frontdoor_members.deps import PageDep, Reader, Writer

router = APIRouter(tags=["courses"])


def course_view(course: Course, waiting: int) -> CourseView:
    """The course with its seats taken and how many wait."""
    return CourseView.model_validate(
        {**course.model_dump(), "department_ids": [uuid.UUID(d) for d in course.department_ids], "waiting": waiting}
    )


def signup_view(signup: CourseSignup, course: Course, position: int | None) -> SignupView:
    """A sign-up with its course's title and start, and its place on the waiting list."""
    return SignupView.model_validate(
        {
            **signup.model_dump(),
            "course_title": course.title,
            "course_starts_at": course.starts_at,
            "position": position,
        }
    )


def _writers(ctx: MembersContext) -> service.Writers:
    return service.Writers(
        notifier=ctx.courses_notifier,
        members_notifier=ctx.notifier,
        default_country=ctx.settings.default_country,
        default_timezone=ctx.settings.default_timezone,
    )


@router.post("/v1/courses", response_model=CourseView, status_code=201, summary="Add a course or event")
async def create_course(body: CourseCreate, session: SessionDep, ctx: ContextDep, principal: Writer) -> CourseView:
    """Add a course to the tenant's catalogue. 422 names the field: ends_at not after starts_at,
    a signup_deadline after starts_at, a department not the tenant's (`department_ids`)."""
    course = await service.create_course(session, principal.tenant_id, body, now=ctx.clock.now())
    return course_view(course, 0)


@router.get("/v1/courses", response_model=list[CourseView], summary="The tenant's courses, the soonest first")
async def list_courses(
    session: SessionDep,
    ctx: ContextDep,
    principal: Reader,
    page: PageDep,
    start: Annotated[Moment | None, Query(alias="from", description="starting at or after; default now")] = None,
    end: Annotated[Moment | None, Query(alias="to", description="starting before")] = None,
) -> list[CourseView]:
    """Upcoming courses (cancelled ones too, with their status), the soonest first."""
    rows = await service.courses(
        session, principal.tenant_id, start=start or ctx.clock.now(), end=end, offset=page.offset, limit=page.limit
    )
    return [course_view(c, n) for c, n in rows]


@router.get("/v1/courses/{course_id}", response_model=CourseView, summary="One course")
async def get_course(course_id: uuid.UUID, session: SessionDep, principal: Reader) -> CourseView:
    """The course with its seats taken and how many wait (404 for another tenant's)."""
    course = await service.require_course(session, principal.tenant_id, course_id)
    [(found, waiting)] = await service.with_waiting(session, [course])
    return course_view(found, waiting)


@router.patch("/v1/courses/{course_id}", response_model=CourseView, summary="Change a course")
async def update_course(
    course_id: uuid.UUID, body: CourseUpdate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> CourseView:
    """Change the fields sent (null clears `place` only, elsewhere a 422 naming the field). More
    seats move the first waiting up; fewer than the confirmed sign-ups is a 422 (`seats`); a
    cancelled course is a 409."""
    course = await service.update_course(session, principal, _writers(ctx), course_id, body, now=ctx.clock.now())
    [(found, waiting)] = await service.with_waiting(session, [course])
    return course_view(found, waiting)


@router.post("/v1/courses/{course_id}/cancel", response_model=CourseView, summary="Cancel a course")
async def cancel_course(course_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer) -> CourseView:
    """Cancel the course: every member with a seat or waiting gets a dossier entry, and
    members.course.cancelled lists them. Cancelling again changes nothing and tells nobody twice."""
    course = await service.cancel_course(session, principal, _writers(ctx), course_id, now=ctx.clock.now())
    [(found, waiting)] = await service.with_waiting(session, [course])
    return course_view(found, waiting)


@router.post("/v1/courses/{course_id}/signups", response_model=SignupView, status_code=201, summary="Sign a member up")
async def sign_up(
    course_id: uuid.UUID, body: SignupCreate, session: SessionDep, ctx: ContextDep, principal: Writer
) -> SignupView:
    """Sign the member up: `confirmed` when a seat is free, else `waiting` with its `position`
    (two agents taking the last seat at once: one is confirmed, the other waits -- the next free
    option). With `"waitlist": false` a full course is a 409 `course_full` with `waiting_position`.
    409 `already_signed_up`; 422 naming the field: `signup_deadline` passed, `member_id` not
    allowed to attend, `course_id` cancelled; another tenant's course or member is a 404."""
    signup, course, position = await service.sign_up(
        session, principal, _writers(ctx), course_id, body, now=ctx.clock.now()
    )
    return signup_view(signup, course, position)


@router.post("/v1/signups/{signup_id}/cancel", response_model=SignupCancelled, summary="Cancel a sign-up")
async def cancel_signup(
    signup_id: uuid.UUID, session: SessionDep, ctx: ContextDep, principal: Writer
) -> SignupCancelled:
    """Cancel the sign-up; a freed seat goes to the first on the waiting list (`promoted_signup_id`,
    members.course.promoted). Cancelling again changes nothing."""
    signup, course, promoted = await service.cancel_signup(
        session, principal, _writers(ctx), signup_id, now=ctx.clock.now()
    )
    view = signup_view(signup, course, None)
    return SignupCancelled(**view.model_dump(), promoted_signup_id=promoted.id if promoted else None)


@router.get("/v1/members/{member_id}/signups", response_model=list[SignupView], summary="A member's sign-ups")
async def member_signups(
    member_id: uuid.UUID, session: SessionDep, principal: Reader, page: PageDep
) -> list[SignupView]:
    """The member's sign-ups, newest first, with waiting positions (404 for another tenant's member)."""
    rows = await service.member_signups(session, principal.tenant_id, member_id, offset=page.offset, limit=page.limit)
    return [signup_view(*r) for r in rows]
