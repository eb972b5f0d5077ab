"""The agent desk's page, its event stream, my status, and taking or leaving an offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, StreamingResponse

from frontdoor_console.auth.deps import Agent, PostingAgent
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk import callbacks, calls
from frontdoor_console.desk.answers import RESOLUTIONS, guarded
from frontdoor_console.desk.calls import CallMovedOn
from frontdoor_console.desk.colleagues import entry_of, load_presence
from frontdoor_console.desk.offers import desk_events
from frontdoor_console.desk.tasks import TaskSpace, my_tasks
from frontdoor_console.desk.workspace import Workspace, workspace
from frontdoor_console.web.page import UserPage, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)

LOGGED_OUT_REASONS = ("vacation", "leave")
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


@router.get("")
async def desk(ctx: ContextDep, page: UserPage, user: Agent) -> HTMLResponse:
    """The desk: my status, the offer, my call, my colleagues."""
    board: list[dict[str, Any]] | None = None
    agents_down = False
    try:
        board = await load_presence(ctx.services, ctx.tokens.for_user(user))
    except ServiceDown:
        agents_down = True
    space, routing_down = await _current_workspace(ctx, user)
    mine: list[dict[str, Any]] | None = None
    try:
        mine = await callbacks.mine(ctx, user)
    except (ServiceDown, ServiceRefused):
        mine = None
    held: list[TaskSpace] = []
    try:
        held = await my_tasks(ctx, user)
    except (ServiceDown, ServiceRefused):
        held = []  # routing down is said already (the offer stream); the tasks come back with it
    return render(
        ctx,
        page,
        "desk/desk.html",
        mine=mine,
        board=board,
        me=entry_of(board, user.agent_id),
        agents_down=agents_down,
        space=space,
        routing_down=routing_down,
        resolutions=RESOLUTIONS,
        tasks=held,
    )


async def _current_workspace(ctx: ConsoleContext, user: User) -> tuple[Workspace | None, bool]:
    remembered = await calls.desk_call(ctx, user)
    if remembered is None:
        return None, False
    try:
        call = await calls.held_call(ctx, user, remembered.call_id)
    except CallMovedOn:
        await calls.forget(ctx, user)
        return None, False
    except ServiceDown:
        return None, True
    return await workspace(ctx, user, call), False


@router.get("/events")
async def events(ctx: ContextDep, page: UserPage, user: Agent) -> StreamingResponse:
    """Server-sent events: offers, withdrawals, colleagues, my status, the session's end."""
    return StreamingResponse(desk_events(ctx, page, user), media_type="text/event-stream", headers=SSE_HEADERS)


@router.post("/status")
async def set_status(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    presence: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    """Available; away with one of the tenant's reasons; logged out for vacation or leave."""
    tenant = page.tenant
    allowed = {
        "available": ("",),
        "away": tenant.away_reasons if tenant else (),
        "logged_out": LOGGED_OUT_REASONS,
    }
    if presence not in allowed or (presence != "available" and reason not in allowed[presence]):
        return render(ctx, page, "desk/_status.html", status=422, me=None, invalid=True)

    async def change() -> HTMLResponse:
        agent = await ctx.services.agents.put(
            f"/v1/agents/{user.agent_id}/presence",
            ctx.tokens.for_user(user),
            json={"presence": presence, "reason": reason or None},
        )
        me = {"presence": agent["presence"], "reason": agent.get("presence_reason"), "since": agent["presence_since"]}
        ctx.hub.poke(user.tenant_id, "presence", "queues")
        return render(ctx, page, "desk/_status.html", me=me)

    return await guarded(ctx, page, change)


@router.post("/offers/{offer_id}/accept")
async def accept(
    ctx: ContextDep, page: UserPage, user: PostingAgent, offer_id: str, call_id: Annotated[str, Form(max_length=64)]
) -> HTMLResponse:
    """Take the offered call: the call panel replaces the offer."""

    async def take() -> HTMLResponse:
        call = await calls.accept(ctx, user, offer_id, call_id)
        space = await workspace(ctx, user, call)
        return render(ctx, page, "desk/_call.html", space=space, resolutions=RESOLUTIONS, clear_offer=True)

    return await guarded(ctx, page, take, clear_offer=True)


@router.post("/offers/{offer_id}/reject")
async def reject(
    ctx: ContextDep, page: UserPage, user: PostingAgent, offer_id: str, call_id: Annotated[str, Form(max_length=64)]
) -> HTMLResponse:
    """Let the offered call go back to the queue."""

    async def give_back() -> HTMLResponse:
        await calls.reject(ctx, user, offer_id, call_id)
        return render(ctx, page, "desk/_withdrawn.html", reason="rejected")

    return await guarded(ctx, page, give_back)
