"""The desk's event stream: routing's offers for this agent and the colleagues' board, as HTML.

One upstream connection to routing's `GET /v1/agents/{id}/offers` per open desk (routing
replays the agent's open offer when it connects, so a reload shows it again). An `offer`
becomes the offer panel (caller's number, the identified member or the family's candidates,
the lease counting down); `withdrawn` says so; a `task_offer` (an email or web form) goes to the task offers beside the
call area, and `task_withdrawn` takes it away. When routing does not answer, the stream says
so in its status line and connects again. The colleagues' board comes from the hub. Every
few seconds the session is checked; when it has ended, a `session` event sends the page to
sign in (and back).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from frontdoor_common.logging import get_logger
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.desk.colleagues import entry_of
from frontdoor_console.desk.tasks import task_offer_html, task_withdrawn_html
from frontdoor_console.web.page import Page, fragment
from frontdoor_console.web.sse import CONNECTED, KEEPALIVE, sse

log = get_logger(__name__)
SESSION_CHECK_S = 5.0


async def offer_html(ctx: ConsoleContext, page: Page, user: User, offer: dict[str, Any]) -> str:
    """The offer panel for one of routing's offers."""
    call = offer.get("call") or {}
    token = ctx.tokens.for_user(user)
    member: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = []
    members_down = False
    try:
        if call.get("member_id"):
            member = await ctx.services.members.get(f"/v1/members/{call['member_id']}", token)
        elif call.get("member_candidates") and call.get("caller_number"):
            found = await ctx.services.members.get("/v1/members/lookup", token, params={"phone": call["caller_number"]})
            candidates = list(found.get("candidates", []))
    except ServiceDown:
        members_down = True
    except ServiceRefused:
        member = None
    expires = datetime.fromisoformat(str(offer["expires_at"]))
    return fragment(
        ctx,
        page,
        "desk/_offer.html",
        offer=offer,
        call=call,
        member=member,
        candidates=candidates,
        members_down=members_down,
        seconds_left=max(0, round((expires - ctx.clock.now()).total_seconds())),
    )


async def _offers(ctx: ConsoleContext, page: Page, user: User, out: asyncio.Queue[bytes]) -> None:
    was_down = False
    while True:
        try:
            path = f"/v1/agents/{user.agent_id}/offers"
            async with ctx.services.routing.events(path, ctx.tokens.for_user(user)) as events:
                if was_down:
                    await out.put(sse("stream", fragment(ctx, page, "desk/_stream.html", down=None)))
                    was_down = False
                async for event, data in events:
                    if event == "offer":
                        await out.put(sse("offer", await offer_html(ctx, page, user, json.loads(data))))
                    elif event == "withdrawn":
                        reason = json.loads(data).get("reason")
                        await out.put(sse("offer", fragment(ctx, page, "desk/_withdrawn.html", reason=reason)))
                    elif event == "task_offer":
                        # an email or web form: beside the call area, never over a call in progress
                        await out.put(sse("task_offer", await task_offer_html(ctx, page, user, json.loads(data))))
                    elif event == "task_withdrawn":
                        await out.put(sse("task_offer", task_withdrawn_html(ctx, page, json.loads(data))))
        except ServiceDown:
            was_down = True
            await out.put(sse("stream", fragment(ctx, page, "desk/_stream.html", down="routing")))
        except ServiceRefused as exc:
            was_down = True
            log.warning("the offer stream was refused", status=exc.status, error_id=exc.error_id)
            await out.put(sse("stream", fragment(ctx, page, "desk/_stream.html", down="routing")))
        await asyncio.sleep(ctx.settings.offer_stream_retry_s)


async def _colleagues(ctx: ConsoleContext, page: Page, user: User, out: asyncio.Queue[bytes]) -> None:
    channel = ctx.hub.channel(user.tenant_id, "presence")
    queue = channel.watch(lambda: ctx.tokens.for_user(user))
    shown: tuple[Any, ...] | None = None
    try:
        while True:
            snapshot = await queue.get()
            board = snapshot.data
            await out.put(
                sse("colleagues", fragment(ctx, page, "desk/_colleagues.html", board=board, down=snapshot.down))
            )
            me = entry_of(board, user.agent_id)
            mine = (me.get("presence"), me.get("reason")) if me else None
            if mine != shown and me is not None:
                await out.put(sse("status", fragment(ctx, page, "desk/_status.html", me=me, down=None)))
            shown = mine
    finally:
        channel.unwatch(queue)


async def desk_events(ctx: ConsoleContext, page: Page, user: User) -> AsyncIterator[bytes]:
    """The desk's server-sent events until the browser goes or the session ends."""
    out: asyncio.Queue[bytes] = asyncio.Queue()
    tasks = [
        asyncio.create_task(_offers(ctx, page, user, out)),
        asyncio.create_task(_colleagues(ctx, page, user, out)),
    ]
    try:
        yield CONNECTED
        async for chunk in until_session_ends(ctx, user, out):
            yield chunk
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def until_session_ends(ctx: ConsoleContext, user: User, out: asyncio.Queue[bytes]) -> AsyncIterator[bytes]:
    """What `out` gets, with keepalives, until the session ends (then a `session` event)."""
    loop = asyncio.get_running_loop()
    checked = loop.time()
    while True:
        try:
            chunk = await asyncio.wait_for(out.get(), min(ctx.settings.sse_keepalive_s, SESSION_CHECK_S))
        except TimeoutError:
            chunk = None
        if chunk is not None:
            yield chunk
        if loop.time() - checked >= SESSION_CHECK_S:
            checked = loop.time()
            if not await ctx.sessions.still_valid(user):
                yield sse("session", "expired")
                return
            if chunk is None:
                yield KEEPALIVE
