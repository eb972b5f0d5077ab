"""The desk's messages (issue 15): a member's email or web-form message offered as a task beside
the call area (an agent on a call can take it), its workspace, the reply by email, the end.

Routing offers tasks on the agent's offer stream (`task_offer`, `task_withdrawn`); the offer is
shown under the call area without touching a call in progress. Accept (`POST /v1/tasks/{id}/accept`)
opens the task's workspace: the message from members (`GET /v1/messages/{id}`: sender, subject,
received time in the tenant's zone, the text; attachments listed, quarantined ones marked and never
linked: members keeps no content), the member's card (or "unidentified sender", linked by member
number), and the reply form. Send is members' `POST /v1/messages/{id}/replies` with the agent's
id: members queues the mail and announces `members.message.answered`, which ends the task in
routing; the panel then follows the mail (pending, sent) as the forward panel does. "Close without
reply" completes the task in routing (`done`). Decline gives it back to the queue.

Every action first asks routing whether the task is still this agent's (`accepted`, by them).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import Agent, PostingAgent
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk.forwards import DOWN_POLL_SECONDS, poll_seconds
from frontdoor_console.web.page import Page, UserPage, fragment, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)

MAX_REPLY_CHARS = 20000  # members' limit (`MAX_REPLY_TEXT`)
MEMBER_NUMBER_CHARS = 20


class TaskMovedOn(Exception):
    """The task is not (any more) this agent's to act on."""

    def __init__(self, state: str | None, reason: str = "moved_on") -> None:
        super().__init__(state or reason)
        self.state = state
        self.reason = reason


@dataclass
class TaskSpace:
    """What a task's workspace shows."""

    task: dict[str, Any]
    message: dict[str, Any] | None = None
    member: dict[str, Any] | None = None
    down: set[str] = field(default_factory=set)

    @property
    def task_id(self) -> str:
        """The task's id."""
        return str(self.task["task_id"])

    @property
    def open(self) -> bool:
        """Whether the task is still the agent's to answer (not completed)."""
        return self.task.get("state") == "accepted"

    @property
    def last_reply(self) -> dict[str, Any] | None:
        """The newest reply to the message, if any."""
        replies = list((self.message or {}).get("replies") or [])
        return replies[-1] if replies else None


def _uuid(value: str) -> str:
    """An id from a URL (junk is the 404 page; no service is asked about it)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise HTTPException(status_code=404) from None


def _token(ctx: ConsoleContext, user: User) -> str:
    return ctx.tokens.for_user(user)


async def task_offer_html(ctx: ConsoleContext, page: Page, user: User, offer: dict[str, Any]) -> str:
    """The offer of a task (its channel, the member when identified, the lease counting down). The
    message itself is not read yet: members audits each read, and the agent may decline."""
    task = offer.get("task") or {}
    member: dict[str, Any] | None = None
    members_down = False
    if task.get("member_id"):
        try:
            member = await ctx.services.members.get(f"/v1/members/{task['member_id']}", _token(ctx, user))
        except ServiceDown:
            members_down = True
        except ServiceRefused:
            member = None
    try:
        expires = datetime.fromisoformat(str(offer["expires_at"]))
        seconds_left = max(0, round((expires - ctx.clock.now()).total_seconds()))
    except (KeyError, ValueError):
        seconds_left = 0
    return fragment(
        ctx,
        page,
        "desk/_task_offer.html",
        offer=offer,
        task=task,
        channel=offer.get("channel") or task.get("channel") or "email",
        member=member,
        members_down=members_down,
        seconds_left=seconds_left,
    )


def task_withdrawn_html(ctx: ConsoleContext, page: Page, withdrawn: dict[str, Any]) -> str:
    """The withdrawal of a task's offer: its panel goes (and a note says why, unless it was taken)."""
    return fragment(
        ctx, page, "desk/_task_withdrawn.html", task_id=str(withdrawn.get("task_id")), reason=withdrawn.get("reason")
    )


async def task_view(ctx: ConsoleContext, user: User, task_id: str) -> dict[str, Any]:
    """Routing's view of a task (404 and the like as TaskMovedOn)."""
    try:
        view: dict[str, Any] = await ctx.services.routing.get(f"/v1/tasks/{task_id}", _token(ctx, user))
    except ServiceRefused as exc:
        raise TaskMovedOn(None, exc.error_id) from None
    return view


async def held_task(ctx: ConsoleContext, user: User, task_id: str) -> dict[str, Any]:
    """The task's snapshot if this agent holds it now; else TaskMovedOn."""
    task: dict[str, Any] = (await task_view(ctx, user, task_id))["task"]
    if str(task.get("agent_id")) != user.agent_id or task.get("state") != "accepted":
        raise TaskMovedOn(str(task.get("state")))
    return task


async def load_space(ctx: ConsoleContext, user: User, task: dict[str, Any]) -> TaskSpace:
    """The message (members audits the read) and its member; members down spoils only this."""
    space = TaskSpace(task=task)
    token = _token(ctx, user)
    try:
        space.message = await ctx.services.members.get(f"/v1/messages/{task['message_id']}", token)
    except ServiceDown:
        space.down.add("members")
        return space
    except ServiceRefused:
        space.message = None
    member_id = (space.message or {}).get("member_id") or task.get("member_id")
    if member_id:
        try:
            space.member = await ctx.services.members.get(f"/v1/members/{member_id}", token)
        except ServiceDown:
            space.down.add("members")
        except ServiceRefused:
            space.member = None
    return space


async def my_tasks(ctx: ConsoleContext, user: User) -> list[TaskSpace]:
    """The tasks this agent holds now (a reload finds them again), oldest first."""
    listed = await ctx.services.routing.get(
        "/v1/tasks", _token(ctx, user), params={"state": "accepted", "agent_id": user.agent_id, "limit": 50}
    )
    tasks = [item["task"] for item in listed.get("items", [])]
    return list(await asyncio.gather(*(load_space(ctx, user, t) for t in tasks)))


def _problem(
    ctx: ConsoleContext,
    page: Page,
    *,
    status: int,
    task_id: str,
    moved: TaskMovedOn | None = None,
    down: str | None = None,
    refused: ServiceRefused | None = None,
) -> HTMLResponse:
    return render(
        ctx, page, "desk/_task_problem.html", status=status, task_id=task_id, moved=moved, down=down, refused=refused
    )


async def _guarded(ctx: ConsoleContext, page: Page, task_id: str, action: Any) -> HTMLResponse:
    """Run an action; a task moved on, a service down or refusing becomes words where the answer goes."""
    try:
        answer: HTMLResponse = await action()
        return answer
    except TaskMovedOn as exc:
        return _problem(ctx, page, status=409, task_id=task_id, moved=exc)
    except ServiceDown as exc:
        return _problem(ctx, page, status=503, task_id=task_id, down=exc.service)
    except ServiceRefused as exc:
        status = 409 if exc.conflict else 422 if exc.status in (400, 422) else exc.status
        return _problem(ctx, page, status=status, task_id=task_id, refused=exc)


def _workspace(
    ctx: ConsoleContext,
    page: Page,
    space: TaskSpace,
    *,
    status: int = 200,
    text: str = "",
    refused: ServiceRefused | None = None,
    link_refused: str | None = None,
    clear_offer: bool = False,
) -> HTMLResponse:
    return render(
        ctx,
        page,
        "desk/_task.html",
        status=status,
        space=space,
        text=text,
        refused=refused,
        link_refused=link_refused,
        clear_offer=clear_offer,
        max_reply=MAX_REPLY_CHARS,
        poll_seconds=poll_seconds(space.last_reply, ctx.clock.now()),
    )


@router.post("/tasks/{task_id}/accept")
async def accept(
    ctx: ContextDep, page: UserPage, user: PostingAgent, task_id: str, offer_id: Annotated[str, Form(max_length=64)]
) -> HTMLResponse:
    """Take the offered message: its workspace opens beside the call (a call in progress goes on)."""
    found = _uuid(task_id)

    async def take() -> HTMLResponse:
        view = await task_view(ctx, user, found)
        if str(view.get("offer_id")) != offer_id or str(view["task"].get("agent_id")) != user.agent_id:
            raise TaskMovedOn(str(view["task"].get("state")), "not_your_offer")
        taken = await ctx.services.routing.post(f"/v1/tasks/{found}/accept", _token(ctx, user))
        space = await load_space(ctx, user, dict(taken["task"]))
        return _workspace(ctx, page, space, clear_offer=True)

    return await _guarded(ctx, page, found, take)


@router.post("/tasks/{task_id}/decline")
async def decline(
    ctx: ContextDep, page: UserPage, user: PostingAgent, task_id: str, offer_id: Annotated[str, Form(max_length=64)]
) -> HTMLResponse:
    """Give the offered message back to the queue (it is not offered to this agent again)."""
    found = _uuid(task_id)

    async def give_back() -> HTMLResponse:
        view = await task_view(ctx, user, found)
        if str(view.get("offer_id")) != offer_id or str(view["task"].get("agent_id")) != user.agent_id:
            raise TaskMovedOn(str(view["task"].get("state")), "not_your_offer")
        await ctx.services.routing.post(f"/v1/tasks/{found}/decline", _token(ctx, user))
        return render(ctx, page, "desk/_task_withdrawn.html", task_id=found, reason="rejected")

    return await _guarded(ctx, page, found, give_back)


@router.post("/tasks/{task_id}/reply")
async def reply(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    task_id: str,
    text: Annotated[str, Form(max_length=MAX_REPLY_CHARS * 2)] = "",
) -> HTMLResponse:
    """Send the reply by email (members queues it and ends the task); a refusal stands beside the text."""
    found = _uuid(task_id)

    async def send() -> HTMLResponse:
        task = await held_task(ctx, user, found)
        token = _token(ctx, user)
        try:
            await ctx.services.members.post(
                f"/v1/messages/{task['message_id']}/replies", token, json={"text": text, "agent_id": user.agent_id}
            )
        except ServiceRefused as exc:
            if exc.status not in (400, 409, 422):
                raise
            space = await load_space(ctx, user, task)
            return _workspace(ctx, page, space, status=422 if exc.status != 409 else 409, text=text, refused=exc)
        space = await load_space(ctx, user, task)
        return _workspace(ctx, page, space, status=201)

    return await _guarded(ctx, page, found, send)


@router.get("/tasks/{task_id}/reply")
async def reply_status(ctx: ContextDep, page: UserPage, user: Agent, task_id: str) -> HTMLResponse:
    """Where the reply's mail is (the panel asks again while it is pending)."""
    found = _uuid(task_id)
    try:
        task = (await task_view(ctx, user, found))["task"]
        if str(task.get("agent_id")) != user.agent_id:
            raise TaskMovedOn(str(task.get("state")), "not_your_task")
        # the replies' mail status only: no text is read, so following it writes no audit entry
        # (reading the message itself is audited, and this is asked every few seconds)
        statuses = await ctx.services.members.get(f"/v1/messages/{task['message_id']}/replies", _token(ctx, user))
    except (TaskMovedOn, ServiceRefused):
        raise HTTPException(status_code=404) from None
    except ServiceDown:
        return render(ctx, page, "desk/_task_reply.html", task_id=found, reply=None, down=True, poll=DOWN_POLL_SECONDS)
    replies = list(statuses or [])
    last = replies[-1] if replies else None
    return render(
        ctx,
        page,
        "desk/_task_reply.html",
        task_id=found,
        reply=last,
        down=False,
        poll=poll_seconds(last, ctx.clock.now()),
    )


@router.post("/tasks/{task_id}/member")
async def link_member(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    task_id: str,
    member_number: Annotated[str, Form(max_length=MEMBER_NUMBER_CHARS * 2)] = "",
) -> HTMLResponse:
    """Name the unidentified sender by their member number: the message goes in their dossier."""
    found = _uuid(task_id)
    wanted = member_number.strip()

    async def link() -> HTMLResponse:
        task = await held_task(ctx, user, found)
        token = _token(ctx, user)
        problem: str | None = None
        if not wanted.isdigit() or not 5 <= len(wanted) <= MEMBER_NUMBER_CHARS:
            problem = "member_number_invalid"
        else:
            try:
                looked = await ctx.services.members.get("/v1/members/lookup", token, params={"member_number": wanted})
            except ServiceRefused as exc:
                if exc.status not in (400, 422):
                    raise
                looked = {"candidates": []}
            candidates = list(looked.get("candidates", []))
            if len(candidates) != 1:
                problem = "member_not_found"
            else:
                await ctx.services.members.post(
                    f"/v1/messages/{task['message_id']}/member",
                    token,
                    json={"member_id": str(candidates[0]["member_id"])},
                )
        space = await load_space(ctx, user, task)
        return _workspace(ctx, page, space, status=422 if problem else 200, link_refused=problem)

    return await _guarded(ctx, page, found, link)


async def _answered(ctx: ConsoleContext, user: User, task: dict[str, Any]) -> bool:
    """Whether members says the message was answered (members down: not known, so not)."""
    try:
        message = await ctx.services.members.get(f"/v1/messages/{task['message_id']}", _token(ctx, user))
    except ServiceDown:
        return False
    return bool(message.get("status") == "answered")


@router.post("/tasks/{task_id}/complete")
async def complete(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    task_id: str,
    replied: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    """Close the task: answered by the reply (members' event ends it in routing), or without a reply (`done`)."""
    found = _uuid(task_id)

    async def close() -> HTMLResponse:
        view = await task_view(ctx, user, found)
        task = view["task"]
        if str(task.get("agent_id")) != user.agent_id:
            raise TaskMovedOn(str(task.get("state")), "not_your_task")
        if task.get("state") == "accepted":
            if replied or await _answered(ctx, user, task):
                # members.message.answered ends it in routing (as `answered`): closing it here would
                # race that event and count an answered message as closed without a reply
                return render(ctx, page, "desk/_task_done.html", task={**task, "resolution": "answered"})
            task = (await ctx.services.routing.post(f"/v1/tasks/{found}/complete", _token(ctx, user)))["task"]
        elif task.get("state") != "completed":
            raise TaskMovedOn(str(task.get("state")))
        return render(ctx, page, "desk/_task_done.html", task=task)

    return await _guarded(ctx, page, found, close)
