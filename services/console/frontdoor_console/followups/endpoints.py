"""The follow-ups page (`/followups`, supervisors and up): the members' deadlines members watches
(escalated first, then open), each with the member (name masked), the deadline, the department
and a "Done" button (`POST /v1/followups/{id}/done`).

Names are masked as first name and the last name's initial: the page is a work list for people
who did not take the call, and needs no more to tell members apart beside the member number.
No national ID is ever read into it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from frontdoor_console.auth.deps import CurrentUser, PostingUser, Refused
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.web.page import Page, UserPage, is_htmx, render

router = APIRouter(prefix="/followups", tags=["followups"], include_in_schema=False)

SHOWN = ("escalated", "open")  # the order of the page's tables


async def supervisor(user: CurrentUser) -> User:
    """A supervisor, team lead or administrator."""
    if not user.can("supervisor"):
        raise Refused(user, "supervisor")
    return user


async def posting_supervisor(user: PostingUser) -> User:
    """A supervisor or up, on a state-changing request (with the session's CSRF token)."""
    if not user.can("supervisor"):
        raise Refused(user, "supervisor")
    return user


Supervisor = Annotated[User, Depends(supervisor)]
PostingSupervisor = Annotated[User, Depends(posting_supervisor)]


def masked_name(member: dict[str, Any] | None) -> str:
    """The member's first name and the initial of their last name ("Ingrid S.")."""
    if not member:
        return ""
    first = str(member.get("first_name") or "").strip()
    last = str(member.get("last_name") or "").strip()
    return f"{first} {last[0]}." if last else first


@dataclass
class FollowUps:
    """What the page shows: the follow-ups by status, the members and departments they name."""

    lists: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    down: bool = False

    def member(self, followup: dict[str, Any]) -> dict[str, str]:
        """The follow-up's member as the page shows them: the masked name and the member number."""
        found = self.members.get(str(followup.get("member_id")))
        return {"name": masked_name(found), "number": str((found or {}).get("member_number") or "")}

    def department(self, followup: dict[str, Any]) -> str:
        """The follow-up's department's name ("" when not known)."""
        return self.departments.get(str(followup.get("department_id")), "")


async def load(ctx: ConsoleContext, user: User, *, also: tuple[str, ...] = ()) -> FollowUps:
    """The escalated and open follow-ups with their members and departments (members down: said);
    `also`: members to name besides (the one whose follow-up was just marked done)."""
    token = ctx.tokens.for_user(user)
    members = ctx.services.members
    try:
        escalated, open_, departments = await asyncio.gather(
            members.get("/v1/followups", token, params={"status": "escalated", "limit": 200}),
            members.get("/v1/followups", token, params={"status": "open", "limit": 200}),
            members.get("/v1/departments", token, params={"limit": 500}),
        )
    except ServiceDown:
        return FollowUps(down=True)
    view = FollowUps(
        lists={"escalated": list(escalated), "open": list(open_)},
        departments={str(d["id"]): str(d.get("name") or d.get("code") or "") for d in departments},
    )
    ids = sorted({str(f["member_id"]) for rows in view.lists.values() for f in rows} | set(also))
    found = await asyncio.gather(*(members.get(f"/v1/members/{i}", token) for i in ids), return_exceptions=True)
    for member_id, member in zip(ids, found, strict=True):
        if isinstance(member, ServiceDown):
            view.down = True
        elif isinstance(member, dict):
            view.members[member_id] = member
    return view


def _render(
    ctx: ConsoleContext,
    page: Page,
    view: FollowUps,
    *,
    template: str,
    done: dict[str, Any] | None = None,
    gone: bool = False,
) -> HTMLResponse:
    status = 503 if view.down and not view.lists else 200
    return render(ctx, page, template, status=status, view=view, shown=SHOWN, done=done, gone=gone)


@router.get("")
async def followups(ctx: ContextDep, page: UserPage, user: Supervisor) -> HTMLResponse:
    """The escalated and open follow-ups, the soonest escalation first."""
    return _render(ctx, page, await load(ctx, user), template="followups/followups.html")


@router.post("/{followup_id}/done")
async def mark_done(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingSupervisor, followup_id: str
) -> Response:
    """The member's deadline is taken care of (members escalates it no more)."""
    try:
        found = str(uuid.UUID(followup_id))
    except ValueError:
        raise HTTPException(status_code=404) from None
    done: dict[str, Any] | None = None
    gone = down = False
    try:
        done = await ctx.services.members.post(f"/v1/followups/{found}/done", ctx.tokens.for_user(user))
    except ServiceDown:
        down = True
    except ServiceRefused as exc:
        if exc.status != 404:
            raise
        gone = True  # another tenant's, or never there: said, nothing changed
    if not is_htmx(request):
        return RedirectResponse("/followups", status_code=303)
    view = await load(ctx, user, also=(str(done["member_id"]),) if done else ())
    view.down = view.down or down
    answer = _render(ctx, page, view, template="followups/_lists.html", done=done, gone=gone)
    if gone or down:
        answer.status_code = 404 if gone else 503
    return answer
