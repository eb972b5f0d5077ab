"""The desk's actions on its call (htmx fragments): verify, reveal, write, fix, call back, transfer, complete."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import Agent, PostingAgent
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.desk import callbacks, calls, record
from frontdoor_console.desk.answers import RESOLUTIONS, guarded
from frontdoor_console.desk.colleagues import entry_of, load_presence
from frontdoor_console.desk.workspace import workspace
from frontdoor_console.web.page import UserPage, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)


@router.get("/calls/{call_id}")
async def call_panel(ctx: ContextDep, page: UserPage, user: Agent, call_id: str) -> HTMLResponse:
    """The call panel (again)."""

    async def show() -> HTMLResponse:
        call = await calls.held_call(ctx, user, call_id)
        space = await workspace(ctx, user, call)
        return render(ctx, page, "desk/_call.html", space=space, resolutions=RESOLUTIONS)

    return await guarded(ctx, page, show)


@router.post("/calls/{call_id}/verify")
async def verify(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    method: Annotated[str, Form(max_length=32)],
    national_id: Annotated[str, Form(max_length=32)] = "",
    member_number: Annotated[str, Form(max_length=20)] = "",
    member_id: Annotated[str, Form(max_length=64)] = "",
    kid: Annotated[str, Form(max_length=30)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """One verification attempt: the member, a proxy with the invoice's KID, or a power of attorney."""
    fields = {
        "member": {"national_id": national_id, "member_number": member_number, "member_id": member_id},
        "invoice": {"kid": kid, "name": name, "national_id": national_id},
        "power_of_attorney": {"name": name, "member_number": member_number, "member_id": member_id},
    }.get(method)
    if fields is None:
        return render(ctx, page, "desk/_problem.html", status=422, invalid=True)
    attempt: dict[str, Any] = {"method": method, **{k: v.strip() for k, v in fields.items() if v.strip()}}
    if attempt.get("member_number"):
        attempt.pop("member_id", None)

    async def attempt_it() -> HTMLResponse:
        result: dict[str, Any] | None = None
        refused: ServiceRefused | None = None
        try:
            result = await calls.verify(ctx, user, call_id, attempt)
        except ServiceRefused as exc:
            if exc.status not in (400, 422, 423):
                raise
            refused = exc  # bad input (not counted) or locked: said in the panel, the forms stay
        call = await calls.held_call(ctx, user, call_id)
        space = await workspace(ctx, user, call)
        return render(ctx, page, "desk/_verify.html", space=space, result=result, refused=refused, oob=True)

    return await guarded(ctx, page, attempt_it)


@router.post("/calls/{call_id}/reveal")
async def reveal(ctx: ContextDep, page: UserPage, user: PostingAgent, call_id: str) -> HTMLResponse:
    """Show the national ID and address (members checks the verification and audits the read)."""

    async def show() -> HTMLResponse:
        call = await calls.held_call(ctx, user, call_id)
        space = await workspace(ctx, user, call, reveal=True)
        return render(ctx, page, "desk/_personal.html", space=space)

    return await guarded(ctx, page, show)


@router.post("/calls/{call_id}/remarks")
async def add_remark(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    member_id: Annotated[str, Form(max_length=64)],
    summary: Annotated[str, Form(min_length=1, max_length=10000)],
) -> HTMLResponse:
    """A new dated remark in the dossier."""

    async def write() -> HTMLResponse:
        today = ctx.clock.now().astimezone(page.fmt.zone).date()  # the tenant's day, not UTC's
        await calls.add_remark(ctx, user, call_id, member_id, summary.strip(), today)
        call = await calls.held_call(ctx, user, call_id)
        space = await workspace(ctx, user, call)
        return render(ctx, page, "desk/_dossier.html", space=space, saved=True)

    return await guarded(ctx, page, write)


@router.post("/calls/{call_id}/fix")
async def fix_record(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    check: Annotated[str, Form(max_length=40)],
    email: Annotated[str, Form(max_length=320)] = "",
    line1: Annotated[str, Form(max_length=200)] = "",
    postal_code: Annotated[str, Form(max_length=16)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
    national_id: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    """Fix what a record check found, in one step (the caller verified as the member)."""
    if check not in record.FIXES:
        return render(ctx, page, "desk/_problem.html", status=422, invalid=True)
    values = {"email": email, "line1": line1, "postal_code": postal_code, "city": city, "national_id": national_id}

    async def fix() -> HTMLResponse:
        refused: ServiceRefused | None = None
        try:
            await record.fix_record(ctx, user, call_id, check, values)
        except ServiceRefused as exc:
            if exc.status not in (400, 409, 422):
                raise
            refused = exc  # a bad email, a national ID taken ...: said in the panel
        call = await calls.held_call(ctx, user, call_id)
        space = await workspace(ctx, user, call)
        return render(ctx, page, "desk/_checks.html", space=space, fixed=None if refused else check, refused=refused)

    return await guarded(ctx, page, fix)


def _is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


async def _colleague_name(ctx: ConsoleContext, user: User, agent_id: str) -> str:
    """The colleague's name from the colleagues panel's data ("" when the agents service cannot say)."""
    try:
        board = await load_presence(ctx.services, ctx.tokens.for_user(user))
    except (ServiceDown, ServiceRefused):
        return ""
    return str((entry_of(board, agent_id) or {}).get("name") or "")


@router.post("/calls/{call_id}/transfer")
async def transfer(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    queue_id: Annotated[str, Form(max_length=64)] = "",
    number: Annotated[str, Form(max_length=40)] = "",
    agent_id: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Transfer the call to another queue, out to a number, or to a named colleague (one of the three)."""
    number = number.strip()
    if sum(bool(v) for v in (queue_id, number, agent_id)) != 1 or (agent_id and not _is_id(agent_id)):
        return _in_transfer_panel(render(ctx, page, "desk/_problem.html", status=422, invalid=True))

    async def move() -> HTMLResponse:
        moved = await calls.transfer(ctx, user, call_id, queue_id=queue_id, number=number, agent_id=agent_id)
        ctx.hub.poke(user.tenant_id, "presence", "queues")
        colleague = await _colleague_name(ctx, user, agent_id) if agent_id else None
        offered = moved["outcome"] == "offered" and str(moved["call"].get("agent_id")) == agent_id
        return render(
            ctx,
            page,
            "desk/_transferred.html",
            call=moved["call"],
            number=number,
            colleague=colleague,
            offered=offered,
        )

    answer = await guarded(ctx, page, move)
    if answer.status_code in (404, 422):  # no such colleague or queue, bad input: the call is still mine
        return _in_transfer_panel(answer)
    return answer


def _in_transfer_panel(answer: HTMLResponse) -> HTMLResponse:
    """A transfer refused while the call stays the agent's is said in the transfer panel, and the
    call stays on screen (it replaced the whole call panel before)."""
    answer.headers["HX-Retarget"] = "#transfer-result"
    answer.headers["HX-Reswap"] = "innerHTML"
    return answer


@router.post("/calls/{call_id}/callback")
async def agree_callback(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    day: Annotated[str, Form(max_length=10)],
    start: Annotated[str, Form(max_length=8)],
    end: Annotated[str, Form(max_length=8)],
    agent_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    """Agree a callback with the caller: a window (the tenant's local time) and a named colleague."""
    try:
        starts, ends = callbacks.window(day, start, end, page.fmt.zone, ctx.clock.now())
    except callbacks.BadWindow:
        return render(ctx, page, "desk/_callback.html", status=422, bad_window=True, agreed=None, mine=None)

    async def agree() -> HTMLResponse:
        agreed = await callbacks.agree(
            ctx, user, call_id, agent_id=agent_id, starts=starts, ends=ends, reason=reason.strip()
        )
        mine = await callbacks.mine(ctx, user)
        staff = {
            str(a["id"]): a["name"] for a in await ctx.services.agents.get("/v1/agents", ctx.tokens.for_user(user))
        }
        return render(ctx, page, "desk/_callback.html", agreed=agreed, mine=mine, bad_window=False, staff=staff)

    return await guarded(ctx, page, agree)


@router.post("/calls/{call_id}/complete")
async def complete(
    ctx: ContextDep,
    page: UserPage,
    user: PostingAgent,
    call_id: str,
    reason: Annotated[str, Form(max_length=100)] = "",
    resolution: Annotated[str, Form(max_length=32)] = "resolved",
) -> HTMLResponse:
    """Complete the call with a reason from the tenant's list and a resolution."""
    reasons = page.tenant.contact_reasons if page.tenant else ()
    if reason not in reasons or resolution not in RESOLUTIONS:
        return render(ctx, page, "desk/_problem.html", status=422, invalid=True)

    async def finish() -> HTMLResponse:
        done = await calls.complete(ctx, user, call_id, reason, resolution)
        ctx.hub.poke(user.tenant_id, "presence", "queues")
        return render(ctx, page, "desk/_done.html", call=done["call"])

    return await guarded(ctx, page, finish)
