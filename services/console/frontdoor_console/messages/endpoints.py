"""The Messages page (`/messages`, supervisors and up): the tenant's members' emails and web-form
messages waiting and answered, per channel, each one's age against its service-level target
(routing's task carries `service_level_seconds`, its queue's, for example one working day).

Members lists the messages (`GET /v1/messages`, without their text); routing's tasks
(`GET /v1/tasks`) say where each waits (queued, offered, with an agent) and its target. Senders
are shown as the member's first name and last initial, or "unidentified": the page is a work
list for a supervisor, who opens nothing from it. Each service down spoils only its part.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.followups.endpoints import Supervisor, masked_name
from frontdoor_console.web.page import UserPage, render

router = APIRouter(prefix="/messages", tags=["messages"], include_in_schema=False)

CHANNELS = ("email", "webform")
LISTED = 100  # per status: the page is a work list, not an archive


@dataclass
class Row:
    """One message as the page shows it."""

    message: dict[str, Any]
    task: dict[str, Any] | None
    sender: str
    age_seconds: float
    target_seconds: int | None

    @property
    def over_target(self) -> bool:
        """Waiting (or answered) later than its target."""
        return self.target_seconds is not None and self.age_seconds > self.target_seconds


@dataclass
class Messages:
    """What the page shows: rows by status, counts per channel, what was down."""

    waiting: list[Row] = field(default_factory=list)
    answered: list[Row] = field(default_factory=list)
    down: set[str] = field(default_factory=set)

    def count(self, rows: list[Row], channel: str, *, over: bool = False) -> int:
        """How many of `rows` came by `channel` (over their target only, with `over`)."""
        return sum(1 for r in rows if r.message.get("channel") == channel and (r.over_target or not over))


def _seconds(start: Any, end: Any) -> float:
    try:
        return max(0.0, (datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def rows_of(
    messages: list[dict[str, Any]],
    tasks: dict[str, dict[str, Any]],
    members: dict[str, dict[str, Any]],
    now: datetime,
) -> list[Row]:
    """The page's rows: the age runs until now for a waiting message, until its answer for an answered one."""
    rows = []
    for m in messages:
        task = tasks.get(str(m["id"]))
        end = m.get("answered_at") or now.isoformat()
        member = members.get(str(m.get("member_id")))
        rows.append(
            Row(
                message=m,
                task=task,
                sender=masked_name(member) if member else "",
                age_seconds=_seconds(m.get("received_at"), end),
                target_seconds=int(task["service_level_seconds"]) if task else None,
            )
        )
    return rows


async def load(ctx: ConsoleContext, user: User) -> Messages:
    """Members' waiting and answered messages with routing's tasks and the members they name."""
    token = ctx.tokens.for_user(user)
    view = Messages()
    members_api = ctx.services.members
    try:
        waiting, answered = await asyncio.gather(
            members_api.get("/v1/messages", token, params={"status": "received", "limit": LISTED}),
            members_api.get("/v1/messages", token, params={"status": "answered", "limit": LISTED}),
        )
    except (ServiceDown, ServiceRefused):
        view.down.add("members")
        return view
    tasks: dict[str, dict[str, Any]] = {}
    try:
        listed = await ctx.services.routing.get("/v1/tasks", token, params={"limit": 500})
        tasks = {str(t["task"]["message_id"]): t["task"] for t in listed.get("items", [])}
    except (ServiceDown, ServiceRefused):
        view.down.add("routing")
    ids = sorted({str(m["member_id"]) for m in [*waiting, *answered] if m.get("member_id")})
    found = await asyncio.gather(*(members_api.get(f"/v1/members/{i}", token) for i in ids), return_exceptions=True)
    members = {i: m for i, m in zip(ids, found, strict=True) if isinstance(m, dict)}
    now = ctx.clock.now()
    view.waiting = sorted(rows_of(list(waiting), tasks, members, now), key=lambda r: -r.age_seconds)
    view.answered = rows_of(list(answered), tasks, members, now)
    return view


@router.get("")
async def messages_page(ctx: ContextDep, page: UserPage, user: Supervisor) -> HTMLResponse:
    """Waiting messages (the oldest first) and the latest answered, per channel."""
    view = await load(ctx, user)
    status = 503 if "members" in view.down else 200
    return render(ctx, page, "messages/messages.html", status=status, view=view, channels=CHANNELS)
