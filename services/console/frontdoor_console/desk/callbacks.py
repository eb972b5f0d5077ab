"""Callbacks at the desk: agree one on the call (a window, a named colleague), see my own."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from frontdoor_console.auth.user import User
from frontdoor_console.context import ConsoleContext
from frontdoor_console.desk.calls import held_call

OPEN = ("pending", "scheduled", "dispatched", "in_progress")


class BadWindow(ValueError):
    """The window is not a time span in the future."""


def window(day: str, start: str, end: str, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """A window given in the tenant's local date and times, as UTC moments."""
    try:
        on = date.fromisoformat(day)
        begins = datetime.combine(on, time.fromisoformat(start), zone)
        ends = datetime.combine(on, time.fromisoformat(end), zone)
    except ValueError:
        raise BadWindow("not a date and times") from None
    if ends <= begins or ends <= now:
        raise BadWindow("the window must end after it starts, and in the future")
    return begins, ends


async def agree(
    ctx: ConsoleContext,
    user: User,
    call_id: str,
    *,
    agent_id: str,
    starts: datetime,
    ends: datetime,
    reason: str,
) -> dict[str, Any]:
    """A callback for the caller of this call, in the window, by the named colleague."""
    call = await held_call(ctx, user, call_id)
    body = {
        "source": "agent",
        "number": call.get("caller_number"),
        "member_id": call.get("member_id"),
        "queue_id": call.get("queue_id"),
        "agent_id": agent_id or user.agent_id,
        "reason": reason or None,
        "window_start": starts.isoformat(),
        "window_end": ends.isoformat(),
    }
    made: dict[str, Any] = await ctx.services.callbacks.post("/v1/callbacks", ctx.tokens.for_user(user), json=body)
    return made


async def mine(ctx: ConsoleContext, user: User) -> list[dict[str, Any]]:
    """My open callbacks, most urgent first."""
    found = await ctx.services.callbacks.get(
        "/v1/callbacks",
        ctx.tokens.for_user(user),
        params={"agent_id": user.agent_id, "status": list(OPEN), "limit": 20},
    )
    return list(found.get("items", []))
