"""Courses and sign-ups over HTTP. Thin: parse, call the service, return the view."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from frontdoor_common.errors import BodyTooLarge, ServiceError
from frontdoor_common.service import SessionDep
from frontdoor_members.context import ContextDep, MembersContext
from frontdoor_members.courses import service
from frontdoor_members.courses.feed import ImportOptions
from frontdoor_members.courses.feed_parse import Format
from frontdoor_members.courses.feed_worker import CourseFeeds
from frontdoor_members.courses.models import Course, CourseFeed, CourseSignup
from frontdoor_members.courses.schemas import (
    CourseCreate,
    CourseFeedPut,
    CourseFeedView,
    CourseUpdate,
    CourseView,
    ImportReport,
    Moment,
    Seats,
    SignupCancelled,
    SignupCreate,
    SignupView,
    Source,
)
from frontdoor_members.deps import Configurer, PageDep, Reader, Writer

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


# -- imported feeds (courses/feed.py, courses/feed_worker.py) -------------------------------------

FEED_MEDIA_TYPES: dict[str, Format] = {"text/calendar": "ical", "text/csv": "csv"}
_FEED_BODY = {
    "requestBody": {
        "required": True,
        "description": "The feed: an iCalendar document (text/calendar) or CSV with a header row (text/csv), UTF-8",
        "content": {media: {"schema": {"type": "string"}} for media in FEED_MEDIA_TYPES},
    }
}


class UnsupportedFeedType(ServiceError):
    """The body is neither text/calendar nor text/csv."""

    status = 415
    error_id = "unsupported_media_type"
    title = "Unsupported media type"


async def _feed_body(request: Request, max_bytes: int) -> bytes:
    """The body, read up to `max_bytes` (413 beyond; the service's own body limit applies first)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(f"The feed exceeds {max_bytes} bytes.", max_bytes=max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def _feeds(ctx: MembersContext) -> CourseFeeds:
    return CourseFeeds(db=ctx.db, settings=ctx.settings, clock=ctx.clock, writers=_writers(ctx))


def feed_view(feed: CourseFeed) -> CourseFeedView:
    """The feed with its last run."""
    return CourseFeedView.model_validate(feed.model_dump())


@router.post(
    "/v1/courses/import",
    response_model=ImportReport,
    summary="Import courses from an iCalendar or CSV feed",
    openapi_extra=_FEED_BODY,
    responses={415: {"description": "Neither text/calendar nor text/csv (problem+json)"}},
)
async def import_courses(
    request: Request,
    ctx: ContextDep,
    principal: Writer,
    source: Annotated[Source, Query(description="the course system's name; uids are unique per source")] = "import",
    default_seats: Annotated[Seats | None, Query(description="seats of an entry that gives none")] = None,
    complete: Annotated[bool, Query(description="the feed lists every course: report those it lost as missing")] = True,
) -> ImportReport:
    """Create, update or cancel the tenant's courses from the feed, matched by each entry's uid in the
    course system (iCalendar UID, or UID/RECURRENCE-ID for an occurrence; the CSV `uid` column): see the
    service README for the properties and columns. Answers the counts and every entry's outcome; an
    entry that cannot be applied (fewer seats than confirmed sign-ups, an unknown department) is
    `refused` with the field and reason and nothing of it changes. A malformed document is a 422
    `feed_invalid` naming the line or event, the uid and the field, and nothing is imported; more
    than `course_feed_max_entries` courses, or a recurrence more often than daily, too."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = FEED_MEDIA_TYPES.get(media)
    if fmt is None:
        raise UnsupportedFeedType("Send the feed as text/calendar or text/csv.", field="content-type")
    data = await _feed_body(request, min(ctx.settings.course_feed_max_bytes, ctx.settings.max_body_bytes))
    options = ImportOptions(source=source, format=fmt, default_seats=default_seats, complete=complete)
    return await _feeds(ctx).importer.run(principal, data, options, now=ctx.clock.now())


@router.put("/v1/course-feed", response_model=CourseFeedView, summary="Set the tenant's course feed")
async def put_course_feed(body: CourseFeedPut, ctx: ContextDep, principal: Configurer) -> CourseFeedView:
    """The URL a worker fetches every `refresh_minutes` and imports like POST /v1/courses/import (first
    within a minute). 422 `unsafe_url` (`url`) for a URL that is not http(s)/webcal or whose host is not
    a public address. Another URL, format or source forgets the last run."""
    return feed_view(await _feeds(ctx).put(principal.tenant_id, body))


@router.get("/v1/course-feed", response_model=CourseFeedView, summary="The tenant's course feed and its last run")
async def get_course_feed(ctx: ContextDep, principal: Reader) -> CourseFeedView:
    """The feed, when it runs next, and its last run: the time, `ok` with the report, or `error` with a
    fixed code (never what was fetched). 404 `course_feed_not_found`."""
    return feed_view(await _feeds(ctx).get(principal.tenant_id))


@router.delete("/v1/course-feed", status_code=204, summary="Remove the tenant's course feed")
async def delete_course_feed(ctx: ContextDep, principal: Configurer) -> Response:
    """No more runs; the courses it imported stay. 404 `course_feed_not_found`."""
    await _feeds(ctx).delete(principal.tenant_id)
    return Response(status_code=204)


@router.post("/v1/course-feed/run", response_model=CourseFeedView, summary="Fetch and import the course feed now")
async def run_course_feed(ctx: ContextDep, principal: Writer) -> CourseFeedView:
    """Run the feed now (as the worker does); the feed with this run's outcome. 404 `course_feed_not_found`."""
    return feed_view(await _feeds(ctx).run_now(principal.tenant_id))
