"""The wallboard page (supervisors and up) and its event stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, StreamingResponse

from frontdoor_console.auth.deps import Supervisor
from frontdoor_console.auth.user import User
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk.offers import until_session_ends
from frontdoor_console.live.hub import Snapshot
from frontdoor_console.wallboard.board import AGENT_STATES, rows
from frontdoor_console.web.page import Page, UserPage, fragment, render
from frontdoor_console.web.sse import CONNECTED, sse

router = APIRouter(prefix="/wallboard", tags=["wallboard"], include_in_schema=False)


def board_context(ctx: ConsoleContext, page: Page, snapshot: Snapshot | None) -> dict[str, Any]:
    """What the board's template needs from a snapshot."""
    target = ctx.settings.service_level_target_for(page.user.tenant_id if page.user else "")
    found = rows(snapshot.data if snapshot else None, target)
    return {
        "rows": found,
        "states": AGENT_STATES,
        "target": target,
        "down": snapshot.down if snapshot else None,
        "loading": snapshot is None,
        "under": [r for r in found if r.under_target],
    }


@router.get("")
async def wallboard(
    ctx: ContextDep, page: UserPage, user: Supervisor, big: Annotated[bool, Query()] = False
) -> HTMLResponse:
    """Every queue, live; `?big=1` for the wall."""
    latest = ctx.hub.channel(user.tenant_id, "queues").latest
    return render(ctx, page, "wallboard/wallboard.html", big=big, **board_context(ctx, page, latest))


async def _board_events(ctx: ConsoleContext, page: Page, user: User) -> AsyncIterator[bytes]:
    channel = ctx.hub.channel(user.tenant_id, "queues")
    queue = channel.watch(lambda: ctx.tokens.for_user(user))
    out: asyncio.Queue[bytes] = asyncio.Queue()

    async def forward() -> None:
        while True:
            snapshot = await queue.get()
            html = fragment(ctx, page, "wallboard/_board.html", **board_context(ctx, page, snapshot))
            await out.put(sse("board", html))

    task = asyncio.create_task(forward())
    try:
        yield CONNECTED
        async for chunk in until_session_ends(ctx, user, out):
            yield chunk
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        channel.unwatch(queue)


@router.get("/events")
async def events(ctx: ContextDep, page: UserPage, user: Supervisor) -> StreamingResponse:
    """Server-sent events: the board whenever it changes."""
    return StreamingResponse(
        _board_events(ctx, page, user),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
