"""The desk's forward to a department's case worker (issue 15): in a call with an identified
member, the agent sends the enquiry by email to a department (the member's own by default),
with the call's reason, a summary and the member's own deadline, if any.

Members keeps the forward, its mail, the dossier's remark and the follow-up
(`POST /v1/members/{id}/forwards`); the panel then shows where the mail is, asking members
again (`GET /v1/forwards/{id}`) every few seconds until it was sent or failed. Members' 422
is shown beside the field it names, and nothing was created. Members down is said in the
panel; the rest of the desk goes on.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import Agent, PostingAgent
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk import calls
from frontdoor_console.desk.answers import guarded
from frontdoor_console.web.page import Page, UserPage, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)

POLL_SECONDS = 2  # how often the panel asks members where a pending mail is
# ... and once the mail has waited a minute (the relay is down, or no relay is set): it will not be
# sent in the next two seconds, and a desk left open must not ask members every two seconds all day
SLOW_POLL_SECONDS = 30
SLOW_AFTER = timedelta(minutes=1)
DOWN_POLL_SECONDS = 10  # members not answering: ask again, but not every two seconds


def poll_seconds(forward: dict[str, Any] | None, now: datetime) -> int:
    """How long the panel waits before asking members again about the forward's mail."""
    created = (forward or {}).get("created_at")
    try:
        waited = now - datetime.fromisoformat(str(created)) if created else timedelta(0)
    except (TypeError, ValueError):
        waited = timedelta(0)
    return SLOW_POLL_SECONDS if waited > SLOW_AFTER else POLL_SECONDS


def _uuid(value: str) -> str:
    """An id from a URL (junk is the 404 page; no service is asked about it)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise HTTPException(status_code=404) from None


async def call_member(ctx: ConsoleContext, user: User, call_id: str) -> str | None:
    """The member of the call this agent holds: the one its contact is about, else the one routing
    identified (as the call panel shows it); CallMovedOn when the call is not this agent's."""
    call = await calls.held_call(ctx, user, call_id)
    remembered = await calls.desk_call(ctx, user)
    if remembered is not None and remembered.call_id == call_id and remembered.contact_id:
        contact = await ctx.services.members.get(f"/v1/contacts/{remembered.contact_id}", ctx.tokens.for_user(user))
        if contact.get("member_id"):
            return str(contact["member_id"])
    member = call.get("member_id")
    return str(member) if member else None


async def _form_parts(ctx: ConsoleContext, user: User, member_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The member (for their department) and the tenant's departments (none when members refuses
    to list them: the member's own is then the only choice); ServiceDown when members is down."""
    token = ctx.tokens.for_user(user)

    async def departments() -> list[dict[str, Any]]:
        try:
            listed = await ctx.services.members.get("/v1/departments", token, params={"limit": 500})
        except ServiceRefused:
            return []
        return sorted(listed, key=lambda d: str(d.get("name") or d.get("code") or ""))

    member, listed = await asyncio.gather(ctx.services.members.get(f"/v1/members/{member_id}", token), departments())
    return dict(member), listed


def _panel(
    ctx: ConsoleContext,
    page: Page,
    call_id: str,
    *,
    status: int = 200,
    member: dict[str, Any] | None = None,
    departments: list[dict[str, Any]] | None = None,
    values: dict[str, str] | None = None,
    refused: ServiceRefused | None = None,
    down: bool = False,
    forward: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        ctx,
        page,
        "desk/_forward.html",
        status=status,
        call_id=call_id,
        member=member,
        departments=departments or [],
        values=values or {},
        refused=refused,
        down=down,
        forward=forward,
        poll_seconds=poll_seconds(forward, ctx.clock.now()),
    )


@router.get("/calls/{call_id}/forward")
async def forward_panel(
    ctx: ContextDep,
    page: UserPage,
    user: Agent,
    call_id: str,
    reason: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    """The forward form for the call's member (their department chosen, the call's reason if chosen)."""
    call = _uuid(call_id)

    async def show() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call)
        try:
            member, departments = await _form_parts(ctx, user, member_id)
        except ServiceDown:
            return _panel(ctx, page, call, down=True)
        values = {"department_id": str(member.get("department_id") or ""), "reason": reason}
        return _panel(ctx, page, call, member=member, departments=departments, values=values)

    return await guarded(ctx, page, show)


@router.post("/calls/{call_id}/forward")
async def forward(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    reason: Annotated[str, Form(max_length=200)] = "",
    summary: Annotated[str, Form(max_length=20000)] = "",
    department_id: Annotated[str, Form(max_length=64)] = "",
    deadline: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    """Forward the enquiry; a value members refuses is shown beside its field and nothing was created."""
    call = _uuid(call_id)
    values = {"department_id": department_id, "reason": reason, "summary": summary, "deadline": deadline}
    body: dict[str, Any] = {"reason": reason, "summary": summary}
    if department_id:
        body["department_id"] = department_id
    if deadline.strip():
        body["deadline"] = deadline.strip()

    async def send() -> HTMLResponse:
        try:
            return await create()
        except ServiceDown as exc:
            if exc.service != "members":
                raise  # routing down: the desk's own fault fragment says so
            # Said above the form, which stays as the agent filled it in (to send again later).
            answer = _panel(ctx, page, call, status=503, down=True, values=values)
            answer.headers["HX-Retarget"] = "#forward-result"
            answer.headers["HX-Reswap"] = "innerHTML"
            return answer

    async def create() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call, status=409)
        member, departments = await _form_parts(ctx, user, member_id)
        try:
            made = await ctx.services.members.post(
                f"/v1/members/{member_id}/forwards", ctx.tokens.for_user(user), json=body
            )
        except ServiceRefused as exc:
            if exc.status not in (400, 422):
                raise
            return _panel(
                ctx, page, call, status=422, member=member, departments=departments, values=values, refused=exc
            )
        # Ready for another forward: the same department and reason, a new summary and deadline.
        fresh = {"department_id": department_id or str(member.get("department_id") or ""), "reason": reason}
        return _panel(ctx, page, call, status=201, member=member, departments=departments, values=fresh, forward=made)

    return await guarded(ctx, page, send)


@router.get("/forwards/{forward_id}")
async def forward_status(ctx: ContextDep, page: UserPage, user: Agent, forward_id: str) -> HTMLResponse:
    """Where the forward's mail is (the panel asks again while it is pending)."""
    found = _uuid(forward_id)
    try:
        made = await ctx.services.members.get(f"/v1/forwards/{found}", ctx.tokens.for_user(user))
    except ServiceDown:
        return render(
            ctx, page, "desk/_forward_status.html", forward={"id": found}, down=True, poll_seconds=DOWN_POLL_SECONDS
        )
    except ServiceRefused as exc:
        if exc.status == 404:
            raise HTTPException(status_code=404) from None
        raise
    return render(
        ctx,
        page,
        "desk/_forward_status.html",
        forward=made,
        down=False,
        poll_seconds=poll_seconds(made, ctx.clock.now()),
    )
