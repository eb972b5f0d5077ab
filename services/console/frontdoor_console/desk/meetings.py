"""The desk's meetings panel (issue 16): in a call with an identified member, meetings with the
counsellors of the member's department, booked, moved and cancelled in the call.

The agent chooses the kind (agents' `GET /v1/meeting-kinds`) and sees its first free slots
(`GET /v1/meeting-kinds/{code}/slots`, with the member's `department_id`: only that department's
counsellors); books one (`POST /v1/meetings`); a slot taken meanwhile is agents' 409 `slot_taken`
with `next_free`, offered as a one-click booking. The member's upcoming meetings
(`GET /v1/meetings?member_id=`, and kept to this member here too) can be moved to another free
slot of the same counsellor (`POST /v1/meetings/{id}/reschedule`) or cancelled
(`POST /v1/meetings/{id}/cancel`). Agents' 422 stands beside the field it names. Every action is
for the member of the call this agent holds: another member's meeting is not found here. Agents
down is said in the panel; the rest of the desk goes on. Times are the tenant's, in the user's
language.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import Agent, PostingAgent
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk.answers import guarded
from frontdoor_console.desk.forwards import _uuid, call_member
from frontdoor_console.web.page import Page, UserPage, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)

SLOTS_SHOWN = 6  # the first free slots offered
SLOT_WINDOW = timedelta(days=31)  # agents' longest window of slots
MEETINGS_AHEAD = timedelta(days=93)  # agents' longest window of meetings
MEETINGS_READ = 1000  # agents' page size
# Agents' 422 on a booking names these; each stands beside its own part of the form.
SLOT_FIELDS = ("starts_at", "counsellor_id", "department_id", "member_id")


def slot_value(counsellor_id: Any, starts_at: Any) -> str:
    """A slot as the form sends it back: the counsellor and the start."""
    return f"{counsellor_id}|{starts_at}"


def parse_slot(value: str) -> tuple[str, datetime] | None:
    """The counsellor and the start (with its offset) from a slot the form sent; None for anything else."""
    counsellor, sep, start = value.partition("|")
    if not sep:
        return None
    try:
        found = str(uuid.UUID(counsellor))
        moment = datetime.fromisoformat(start)
    except ValueError:
        return None
    if moment.tzinfo is None or not 2000 <= moment.year <= 2999:
        return None
    return found, moment


def upcoming_for(meetings: list[dict[str, Any]], member_id: str, now: datetime) -> list[dict[str, Any]]:
    """The member's booked meetings that have not begun, soonest first (whatever else agents sent)."""
    mine = []
    for m in meetings:
        try:
            start = datetime.fromisoformat(str(m.get("starts_at")))
        except ValueError:
            continue
        if str(m.get("member_id")) == member_id and m.get("status") == "booked" and start >= now:
            mine.append(m)
    return sorted(mine, key=lambda m: str(m.get("starts_at")))


def names_of(staff: list[dict[str, Any]]) -> dict[str, str]:
    """Staff names by agent id (a counsellor's)."""
    return {str(a.get("id")): str(a.get("name") or "") for a in staff}


@dataclass
class MeetingsPanel:
    """What the meetings panel shows."""

    member: dict[str, Any] | None = None
    kinds: list[dict[str, Any]] = field(default_factory=list)
    kind: dict[str, Any] | None = None  # the chosen one
    slots: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    down: str | None = None  # the service that did not answer

    def kind_name(self, code: str) -> str:
        """A kind's name (its code if the kind is gone)."""
        return next((str(k["name"]) for k in self.kinds if k.get("code") == code), code)


def _department(member: dict[str, Any]) -> dict[str, str]:
    department = member.get("department_id")
    return {"department_id": str(department)} if department else {}


async def slots_of(
    ctx: ConsoleContext, token: str, code: str, member: dict[str, Any], *, counsellor_id: str | None = None
) -> list[dict[str, Any]]:
    """The first free slots of a kind with the counsellors of the member's department (or one counsellor)."""
    now = ctx.clock.now()
    params: dict[str, Any] = {
        "from": now.isoformat(),
        "to": (now + SLOT_WINDOW).isoformat(),
        "limit": SLOTS_SHOWN,
        **_department(member),
    }
    if counsellor_id:
        params["counsellor_id"] = counsellor_id
    found = await ctx.services.agents.get(f"/v1/meeting-kinds/{code}/slots", token, params=params)
    return list(found)[:SLOTS_SHOWN]


async def load(ctx: ConsoleContext, user: User, member_id: str, kind: str = "") -> MeetingsPanel:
    """The member, the kinds, the chosen kind's first free slots and the member's upcoming meetings;
    members down or agents down is said in the panel."""
    token = ctx.tokens.for_user(user)
    now = ctx.clock.now()
    try:
        member = dict(await ctx.services.members.get(f"/v1/members/{member_id}", token))
    except ServiceDown:
        return MeetingsPanel(down="members")
    window = {"from": now.isoformat(), "to": (now + MEETINGS_AHEAD).isoformat(), "limit": MEETINGS_READ}
    try:
        kinds, meetings, staff = await asyncio.gather(
            ctx.services.agents.get("/v1/meeting-kinds", token),
            ctx.services.agents.get("/v1/meetings", token, params={**window, "member_id": member_id}),
            ctx.services.agents.get("/v1/agents", token),
        )
        panel = MeetingsPanel(
            member=member,
            kinds=sorted(kinds, key=lambda k: str(k.get("name"))),
            meetings=upcoming_for(list(meetings), member_id, now),
            names=names_of(list(staff)),
        )
        panel.kind = next((k for k in panel.kinds if k.get("code") == kind), panel.kinds[0] if panel.kinds else None)
        if panel.kind is not None:
            panel.slots = await slots_of(ctx, token, str(panel.kind["code"]), member)
    except ServiceDown:
        return MeetingsPanel(member=member, down="agents")
    return panel


def _panel(
    ctx: ConsoleContext,
    page: Page,
    call_id: str,
    panel: MeetingsPanel | None,
    *,
    status: int = 200,
    refused: ServiceRefused | None = None,
    done: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    offer_next: bool = True,
) -> HTMLResponse:
    # A booking's next free option may be another counsellor's; a move keeps its counsellor, so it offers none.
    taken = refused is not None and refused.error_id == "slot_taken" and offer_next
    next_free = refused.body.get("next_free") if taken and refused is not None else None
    return render(
        ctx,
        page,
        "desk/_meetings.html",
        status=status,
        call_id=call_id,
        panel=panel or MeetingsPanel(),
        refused=refused,
        next_free=next_free if isinstance(next_free, dict) else None,
        done=done,
        values=values or {},
        slot_fields=SLOT_FIELDS,
        slot_value=slot_value,
    )


@router.get("/calls/{call_id}/meetings")
async def meetings_panel(
    ctx: ContextDep, page: UserPage, user: Agent, call_id: str, kind: Annotated[str, Query(max_length=64)] = ""
) -> HTMLResponse:
    """The kinds, the chosen kind's first free slots, the member's upcoming meetings."""
    call = _uuid(call_id)

    async def show() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call, None)
        return _panel(ctx, page, call, await load(ctx, user, member_id, kind), values={"kind": kind})

    return await guarded(ctx, page, show)


@router.post("/calls/{call_id}/meetings")
async def book(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    kind: Annotated[str, Form(max_length=64)] = "",
    slot: Annotated[str, Form(max_length=120)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> HTMLResponse:
    """Book the chosen slot for the call's member; a slot taken meanwhile offers agents' next free one."""
    call = _uuid(call_id)
    values = {"kind": kind, "slot": slot, "note": note}

    async def send() -> HTMLResponse:
        member_id = await call_member(ctx, user, call)
        if member_id is None:
            return _panel(ctx, page, call, None, status=409)
        chosen = parse_slot(slot)
        if chosen is None:
            refused = ServiceRefused("console", 422, "slot_required", "Choose a time.", "starts_at")
            panel = await load(ctx, user, member_id, kind)
            return _panel(ctx, page, call, panel, status=422, refused=refused, values=values)
        counsellor, starts_at = chosen
        token = ctx.tokens.for_user(user)
        member = dict(await ctx.services.members.get(f"/v1/members/{member_id}", token))
        body: dict[str, Any] = {
            "kind": kind,
            "counsellor_id": counsellor,
            "starts_at": starts_at.isoformat(),
            "member_id": member_id,
            **_department(member),
        }
        if note.strip():
            body["note"] = note.strip()
        try:
            made = await ctx.services.agents.post("/v1/meetings", token, json=body)
        except ServiceRefused as exc:
            if exc.status not in (400, 404, 409, 422):
                raise
            panel = await load(ctx, user, member_id, kind)
            return _panel(ctx, page, call, panel, status=409 if exc.status == 409 else 422, refused=exc, values=values)
        panel = await load(ctx, user, member_id, kind)
        return _panel(ctx, page, call, panel, status=201, done={"booked": made}, values={"kind": kind})

    return await guarded(ctx, page, send)


async def _members_meeting(ctx: ConsoleContext, user: User, call: str, meeting_id: str) -> tuple[str, dict[str, Any]]:
    """The call's member and their meeting (404 for a meeting that is not theirs)."""
    member_id = await call_member(ctx, user, call)
    if member_id is None:
        raise HTTPException(status_code=404)
    try:
        meeting = dict(await ctx.services.agents.get(f"/v1/meetings/{meeting_id}", ctx.tokens.for_user(user)))
    except ServiceRefused as exc:
        if exc.status == 404:
            raise HTTPException(status_code=404) from None
        raise
    if str(meeting.get("member_id")) != member_id:
        raise HTTPException(status_code=404)
    return member_id, meeting


@router.get("/calls/{call_id}/meetings/{meeting_id}/reschedule")
async def reschedule_form(ctx: ContextDep, page: UserPage, user: Agent, call_id: str, meeting_id: str) -> HTMLResponse:
    """The free slots of the meeting's own counsellor, to move it to."""
    call, found = _uuid(call_id), _uuid(meeting_id)

    async def show() -> HTMLResponse:
        member_id, meeting = await _members_meeting(ctx, user, call, found)
        token = ctx.tokens.for_user(user)
        member = dict(await ctx.services.members.get(f"/v1/members/{member_id}", token))
        slots = await slots_of(ctx, token, str(meeting["kind"]), member, counsellor_id=str(meeting["counsellor_id"]))
        return render(ctx, page, "desk/_reschedule.html", call_id=call, meeting=meeting, slots=slots)

    return await guarded(ctx, page, show)


@router.post("/calls/{call_id}/meetings/{meeting_id}/reschedule")
async def reschedule(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    meeting_id: str,
    starts_at: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Move the member's meeting to another free slot of its counsellor."""
    call, found = _uuid(call_id), _uuid(meeting_id)

    async def move() -> HTMLResponse:
        member_id, meeting = await _members_meeting(ctx, user, call, found)
        chosen = parse_slot(slot_value(meeting.get("counsellor_id"), starts_at))
        token = ctx.tokens.for_user(user)
        if chosen is None:
            refused = ServiceRefused("console", 422, "slot_required", "Choose a time.", "starts_at")
            return _panel(
                ctx, page, call, await load(ctx, user, member_id, str(meeting["kind"])), status=422, refused=refused
            )
        try:
            moved = await ctx.services.agents.post(
                f"/v1/meetings/{found}/reschedule", token, json={"starts_at": chosen[1].isoformat()}
            )
        except ServiceRefused as exc:
            if exc.status not in (400, 409, 422):
                raise
            panel = await load(ctx, user, member_id, str(meeting["kind"]))
            status = 409 if exc.status == 409 else 422
            return _panel(
                ctx, page, call, panel, status=status, refused=exc, done={"not_moved": meeting}, offer_next=False
            )
        panel = await load(ctx, user, member_id, str(meeting["kind"]))
        return _panel(ctx, page, call, panel, done={"moved": moved})

    return await guarded(ctx, page, move)


@router.post("/calls/{call_id}/meetings/{meeting_id}/cancel")
async def cancel(ctx: ContextDep, page: UserPage, user: PostingAgent, call_id: str, meeting_id: str) -> HTMLResponse:
    """Cancel the member's meeting (its slot is free again)."""
    call, found = _uuid(call_id), _uuid(meeting_id)

    async def drop() -> HTMLResponse:
        member_id, meeting = await _members_meeting(ctx, user, call, found)
        cancelled = await ctx.services.agents.post(f"/v1/meetings/{found}/cancel", ctx.tokens.for_user(user))
        panel = await load(ctx, user, member_id, str(meeting["kind"]))
        return _panel(ctx, page, call, panel, done={"cancelled": cancelled})

    return await guarded(ctx, page, drop)
