"""The desk's courses panel (issue 16): in a call with an identified member, the tenant's upcoming
courses (members' `GET /v1/courses`), the member's own sign-ups (`GET /v1/members/{id}/signups`),
signing up (`POST /v1/courses/{id}/signups`: confirmed, or waiting at a position; with the waiting
list declined, a full course is members' 409 `course_full`) and cancelling a sign-up
(`POST /v1/signups/{id}/cancel`; members moves the first waiting up and tells them).

Members' 422 (sign-ups closed, a course not open to the member, a cancelled course) is shown beside
the course chooser and nothing was created. Every action is for the member of the call this agent
holds: a sign-up of another member is refused as not found. Members down is said in the panel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import Agent, PostingAgent
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk.answers import guarded
from frontdoor_console.desk.forwards import _uuid, call_member
from frontdoor_console.web.page import Page, UserPage, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)

ACTIVE = ("confirmed", "waiting")
COURSES_SHOWN = 50  # the soonest upcoming courses offered in the chooser
SIGNUPS_READ = 100  # the member's newest sign-ups read (members' page size)
# Members' 422 and 409 on a sign-up all concern the chosen course: shown beside its chooser.
COURSE_FIELDS = ("course_id", "signup_deadline", "member_id")


def _moment(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def active_signups(signups: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """The member's sign-ups that still hold a seat or a place in line, for courses not yet begun, soonest first."""
    upcoming = [
        s
        for s in signups
        if s.get("status") in ACTIVE and (start := _moment(s.get("course_starts_at"))) is not None and start >= now
    ]
    return sorted(upcoming, key=lambda s: str(s.get("course_starts_at")))


@dataclass(frozen=True)
class CourseChoice:
    """A course as the chooser offers it."""

    course: dict[str, Any]
    free: int  # seats free now (0: full; a sign-up then waits)
    closed: bool  # its sign-up deadline has passed
    signed_up: bool  # the member already holds a seat or waits for one


def course_choices(courses: list[dict[str, Any]], signups: list[dict[str, Any]], now: datetime) -> list[CourseChoice]:
    """The open courses with their free seats, whether sign-ups closed, and whether the member is in."""
    mine = {str(s.get("course_id")) for s in signups if s.get("status") in ACTIVE}
    choices = []
    for course in courses:
        if course.get("status") != "open":
            continue
        deadline = _moment(course.get("signup_deadline"))
        taken, seats, waiting = (
            int(course.get("seats_taken") or 0),
            int(course.get("seats") or 0),
            course.get("waiting"),
        )
        choices.append(
            CourseChoice(
                course=course,
                free=0 if waiting else max(0, seats - taken),
                closed=deadline is not None and now > deadline,
                signed_up=str(course.get("id")) in mine,
            )
        )
    return choices


@dataclass
class CoursesPanel:
    """What the courses panel shows."""

    member: dict[str, Any] | None = None
    choices: list[CourseChoice] = field(default_factory=list)
    signups: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False


async def load(ctx: ConsoleContext, user: User, member_id: str) -> CoursesPanel:
    """The member, the tenant's upcoming courses and the member's sign-ups (ServiceDown: members is down)."""
    token = ctx.tokens.for_user(user)
    member, courses, signups = await asyncio.gather(
        ctx.services.members.get(f"/v1/members/{member_id}", token),
        ctx.services.members.get("/v1/courses", token, params={"limit": COURSES_SHOWN}),
        ctx.services.members.get(f"/v1/members/{member_id}/signups", token, params={"limit": SIGNUPS_READ}),
    )
    now = ctx.clock.now()
    return CoursesPanel(
        member=dict(member),
        choices=course_choices(list(courses), list(signups), now),
        signups=active_signups(list(signups), now),
    )


def _panel(
    ctx: ConsoleContext,
    page: Page,
    call_id: str,
    panel: CoursesPanel | None,
    *,
    status: int = 200,
    refused: ServiceRefused | None = None,
    done: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        ctx,
        page,
        "desk/_courses.html",
        status=status,
        call_id=call_id,
        panel=panel or CoursesPanel(),
        refused=refused,
        done=done,
        values=values or {"waitlist": "1"},
        course_fields=COURSE_FIELDS,
    )


@router.get("/calls/{call_id}/courses")
async def courses_panel(ctx: ContextDep, page: UserPage, user: Agent, call_id: str) -> HTMLResponse:
    """The courses and the member's sign-ups."""
    call = _uuid(call_id)

    async def show() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call, None)
        try:
            return _panel(ctx, page, call, await load(ctx, user, member_id))
        except ServiceDown:
            return _panel(ctx, page, call, CoursesPanel(down=True))

    return await guarded(ctx, page, show)


@router.post("/calls/{call_id}/courses/signups")
async def sign_up(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    course_id: Annotated[str, Form(max_length=64)] = "",
    waitlist: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """Sign the call's member up: confirmed or waiting (or, the waiting list declined, members' 409
    course_full); a refusal is shown beside the course chooser and nothing was created."""
    call = _uuid(call_id)
    values = {"course_id": course_id, "waitlist": waitlist}

    async def send() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call, None, status=409)
        token = ctx.tokens.for_user(user)
        try:
            chosen = _uuid(course_id)
        except HTTPException:
            refused = ServiceRefused("console", 422, "course_required", "Choose a course.", "course_id")
            return _panel(
                ctx, page, call, await _load_or_down(ctx, user, member_id), status=422, refused=refused, values=values
            )
        try:
            made = await ctx.services.members.post(
                f"/v1/courses/{chosen}/signups",
                token,
                json={"member_id": member_id, "waitlist": waitlist == "1"},
            )
        except ServiceRefused as exc:
            if exc.status not in (400, 404, 409, 422):
                raise
            status = 409 if exc.status == 409 else 422
            return _panel(
                ctx, page, call, await _load_or_down(ctx, user, member_id), status=status, refused=exc, values=values
            )
        return _panel(ctx, page, call, await _load_or_down(ctx, user, member_id), status=201, done={"signed_up": made})

    return await guarded(ctx, page, send)


@router.post("/calls/{call_id}/signups/{signup_id}/cancel")
async def cancel_signup(
    ctx: ContextDep, page: UserPage, user: PostingAgent, call_id: str, signup_id: str
) -> HTMLResponse:
    """Cancel one of the call's member's sign-ups (another member's is not found here)."""
    call, signup = _uuid(call_id), _uuid(signup_id)

    async def cancel() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call, None, status=409)
        await require_members_signup(ctx, user, member_id, signup)
        cancelled = await ctx.services.members.post(f"/v1/signups/{signup}/cancel", ctx.tokens.for_user(user))
        return _panel(ctx, page, call, await _load_or_down(ctx, user, member_id), done={"cancelled": cancelled})

    return await guarded(ctx, page, cancel)


async def require_members_signup(ctx: ConsoleContext, user: User, member_id: str, signup_id: str) -> None:
    """The sign-up is one of the member's (404 otherwise: another member's, or none)."""
    theirs = await ctx.services.members.get(
        f"/v1/members/{member_id}/signups", ctx.tokens.for_user(user), params={"limit": SIGNUPS_READ}
    )
    if not any(str(s.get("id")) == signup_id for s in theirs):
        raise HTTPException(status_code=404)


async def _load_or_down(ctx: ConsoleContext, user: User, member_id: str) -> CoursesPanel:
    try:
        return await load(ctx, user, member_id)
    except ServiceDown:
        return CoursesPanel(down=True)
