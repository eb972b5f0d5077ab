"""Queues (routing's `/v1/queues`): the list, a new queue, a queue's settings and overflow steps.

A queue's members are shown from the agents service (`GET /v1/agents`); they are changed on
each member of staff's page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from frontdoor_console.admin import forms, hours
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.web.page import Page, UserPage, is_htmx, render, render_page_or_part

router = APIRouter(route_class=AdminRoute)

STRATEGIES = ("longest_idle", "proficiency", "round_robin", "fewest_calls")
MAX_OVERFLOW = 10
TEXTS = ("name",)
OPTIONAL_TEXTS = ("ivr_digit", "language")
NUMBERS = ("service_level_seconds", "priority", "wrapup_seconds", "offer_timeout_seconds")
OPTIONAL_NUMBERS = ("max_wait_seconds", "callback_offer_seconds")
FLAGS = ("is_switchboard",)
NEW_QUEUE: dict[str, Any] = {
    "name": "",
    "ivr_digit": None,
    "language": None,
    "is_switchboard": False,
    "service_level_seconds": 20,
    "priority": 0,
    "max_wait_seconds": None,
    "callback_offer_seconds": None,
    "wrapup_seconds": 0,
    "offer_timeout_seconds": 15,
    "strategy": "longest_idle",
    "overflow": [],
}


def user_of(page: Page) -> User:
    """The page's user (every administration page has one)."""
    assert page.user is not None
    return page.user


def editable(queue: dict[str, Any]) -> dict[str, Any]:
    """The settings the form edits, as the form compares them."""
    values = {k: queue.get(k) for k in NEW_QUEUE if k != "overflow"}
    values["overflow"] = [
        {"after_seconds": s.get("after_seconds"), "queue_ids": sorted(str(q) for q in s.get("queue_ids") or [])}
        for s in queue.get("overflow") or []
    ]
    if "active" in queue:
        values["active"] = bool(queue["active"])
    return values


def submitted(form: FormData, *, editing: bool) -> dict[str, Any]:
    """The settings as the form sends them (values the service will judge, passed on as given)."""
    values: dict[str, Any] = {k: forms.text(form, k) for k in TEXTS}
    values.update({k: forms.optional_text(form, k) for k in OPTIONAL_TEXTS})
    values.update({k: forms.number(form, k) for k in (*NUMBERS, *OPTIONAL_NUMBERS)})
    values.update({k: forms.flag(form, k) for k in FLAGS})
    values["strategy"] = forms.text(form, "strategy") or "longest_idle"
    steps = []
    for i in range(MAX_OVERFLOW):
        after = forms.number(form, f"overflow_after_{i}")
        targets = sorted(forms.choices(form, f"overflow_targets_{i}"))
        if after is not None or targets:
            steps.append({"after_seconds": after, "queue_ids": targets})
    values["overflow"] = steps
    if editing:
        values["active"] = forms.flag(form, "active")
    return values


def for_create(values: dict[str, Any]) -> dict[str, Any]:
    """The body of a new queue: what was given (empty numbers left to the service's defaults)."""
    return {k: v for k, v in values.items() if v is not None or k in OPTIONAL_TEXTS or k in OPTIONAL_NUMBERS}


async def all_queues(ctx: ConsoleContext, user: User) -> list[dict[str, Any]]:
    """The tenant's queues."""
    return list(await ctx.services.routing.get("/v1/queues", ctx.tokens.for_user(user)))


async def members_of(ctx: ConsoleContext, user: User, queue_id: str) -> tuple[list[dict[str, Any]], bool]:
    """The staff in a queue with their proficiency (and whether the agents service answered)."""
    try:
        staff = await ctx.services.agents.get("/v1/agents", ctx.tokens.for_user(user), params={"limit": 500})
    except (ServiceDown, ServiceRefused):
        return [], False
    found = []
    for agent in staff:
        for m in agent.get("queues") or []:
            if str(m["queue_id"]) == queue_id:
                found.append({"id": agent["id"], "name": agent["name"], "proficiency": m.get("proficiency")})
    return found, True


async def _form(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    *,
    queue: dict[str, Any] | None,
    values: dict[str, Any],
    queues: list[dict[str, Any]],
    outcome: Outcome,
    down: str | None = None,
    created: bool = False,
    base: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The queue's form (the whole page for a plain request); `base` is what the object is now,
    when the form shows other values (refused ones): the next submit compares against it."""
    members: list[dict[str, Any]] = []
    agents_answered = True
    extra: dict[str, Any] = {}
    if not is_htmx(request) and queue is not None:  # the whole page: the queue's members and hours too
        members, agents_answered = await members_of(ctx, user_of(page), str(queue["id"]))
        extra = await hours_part(ctx, user_of(page), str(queue["id"]))
    return render_page_or_part(
        ctx,
        page,
        request,
        "admin/queue.html",
        "admin/_queue_form.html",
        **extra,
        status=outcome.status,
        queue=queue,
        values=values,
        original=forms.drawn(values if base is None else base),
        queues=[q for q in queues if queue is None or q["id"] != queue["id"]],
        strategies=STRATEGIES,
        max_overflow=MAX_OVERFLOW,
        outcome=outcome,
        members=members,
        agents_answered=agents_answered,
        down=down,
        created=created,
    )


@router.get("/queues")
async def queue_list(ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """Every queue: its IVR digit, targets and overflow steps."""
    try:
        queues, down = await all_queues(ctx, user), None
    except ServiceDown as exc:
        queues, down = [], exc.service
    names = {q["id"]: q["name"] for q in queues}
    return render(ctx, page, "admin/queues.html", status=503 if down else 200, queues=queues, names=names, down=down)


@router.get("/queues/new")
async def new_queue(request: Request, ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """The form of a new queue."""
    try:
        queues, down = await all_queues(ctx, user), None
    except ServiceDown as exc:
        queues, down = [], exc.service
    return await _form(
        ctx, page, request, queue=None, values=dict(NEW_QUEUE), queues=queues, outcome=Outcome(), down=down
    )


@router.post("/queues")
async def create_queue(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Create the queue; then its own page."""
    values = submitted(await request.form(), editing=False)
    token = ctx.tokens.for_user(user)
    made, outcome = await forms.attempt(lambda: ctx.services.routing.post("/v1/queues", token, json=for_create(values)))
    if made is not None:
        ctx.hub.poke(user.tenant_id, "queues")
        return forms.went_to(request, f"/admin/queues/{made['id']}?created=1")
    try:
        queues = await all_queues(ctx, user)
    except ServiceDown:
        queues = []
    return await _form(ctx, page, request, queue=None, values=values, queues=queues, outcome=outcome)


@router.get("/queues/{queue_id}")
async def queue_page(
    request: Request, ctx: ContextDep, page: UserPage, user: Administrator, queue_id: str
) -> HTMLResponse:
    """A queue's settings to edit, and its members."""
    queue_id = forms.object_id(queue_id)
    token = ctx.tokens.for_user(user)
    queue = await forms.found(ctx.services.routing.get(f"/v1/queues/{queue_id}", token))
    queues = await all_queues(ctx, user)
    created = request.query_params.get("created") == "1"
    return await _form(
        ctx,
        page,
        request,
        queue=queue,
        values=editable(queue),
        queues=queues,
        outcome=Outcome(saved=created),
        created=created,
    )


@router.post("/queues/{queue_id}")
async def update_queue(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, queue_id: str
) -> Response:
    """Change what the user changed (and nothing someone else changed meanwhile)."""
    queue_id = forms.object_id(queue_id)
    form = await request.form()
    values = submitted(form, editing=True)
    token = ctx.tokens.for_user(user)
    current, outcome = await forms.attempt(lambda: ctx.services.routing.get(f"/v1/queues/{queue_id}", token))
    if current is None:
        if outcome.gone:
            return forms.gone(ctx, page)
        return await _form(ctx, page, request, queue=None, values=values, queues=[], outcome=outcome)
    changes = forms.compare(values, forms.original(form), editable(current))
    queues = await _queues_or_none(ctx, user)
    if changes.stale:
        outcome = Outcome(stale=changes.stale)
        return await _form(ctx, page, request, queue=current, values=editable(current), queues=queues, outcome=outcome)
    if not changes.changed:
        outcome = Outcome(unchanged=True)
        return await _form(ctx, page, request, queue=current, values=editable(current), queues=queues, outcome=outcome)
    saved, outcome = await forms.attempt(
        lambda: ctx.services.routing.request("PATCH", f"/v1/queues/{queue_id}", token, json=changes.changed)
    )
    if saved is not None:
        ctx.hub.poke(user.tenant_id, "queues")
        return await _form(ctx, page, request, queue=saved, values=editable(saved), queues=queues, outcome=outcome)
    if outcome.gone:
        return forms.gone(ctx, page)
    return await _form(
        ctx, page, request, queue=current, values=values, queues=queues, outcome=outcome, base=editable(current)
    )


async def _queues_or_none(ctx: ConsoleContext, user: User) -> list[dict[str, Any]]:
    try:
        return await all_queues(ctx, user)
    except ServiceDown:
        return []


def hours_of(found: dict[str, Any]) -> dict[str, Any]:
    """A queue's own hours as the form compares them (`rules` None: the tenant's hours apply)."""
    own = not found.get("uses_tenant_hours", True)
    return {"rules": hours.editable({"opening_hours": found.get("weekly") or []})["opening_hours"] if own else None}


async def hours_part(
    ctx: ConsoleContext,
    user: User,
    queue_id: str,
    *,
    outcome: Outcome | None = None,
    shown: dict[str, Any] | None = None,
    base: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The template's values of the queue's hours form (agents' `GET /v1/queues/{id}/opening-hours`)."""
    part: dict[str, Any] = {"hours": None, "hours_unknown": False, "hours_down": None, "hours_original": "{}"}
    part["hours_outcome"] = outcome or Outcome()
    if shown is None or base is None:
        token = ctx.tokens.for_user(user)
        found, fault = await forms.attempt(
            lambda: ctx.services.agents.get(f"/v1/queues/{queue_id}/opening-hours", token)
        )
        if found is None:
            part.update(hours_unknown=fault.gone, hours_down=fault.down)
            return part
        base = hours_of(found)
        shown = shown or {"own": base["rules"] is not None, "rules": base["rules"] or found.get("weekly") or []}
    part.update(hours=shown, hours_original=forms.drawn(base))
    return part


@router.post("/queues/{queue_id}/hours")
async def update_queue_hours(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, queue_id: str
) -> Response:
    """The queue's own weekly hours, or (unticked) the tenant's."""
    queue_id = forms.object_id(queue_id)
    form = await request.form()
    own = forms.flag(form, "own")
    rules = hours.submitted(form)["opening_hours"]
    submitted_hours = {"rules": rules if own else None}
    shown = {"own": own, "rules": rules}
    token = ctx.tokens.for_user(user)
    path = f"/v1/queues/{queue_id}/opening-hours"
    found, outcome = await forms.attempt(lambda: ctx.services.agents.get(path, token))
    if found is None:
        if outcome.gone:
            return forms.gone(ctx, page)
        part = await hours_part(ctx, user, queue_id, outcome=outcome, shown=shown, base=forms.original(form))
        return render(ctx, page, "admin/_queue_hours.html", status=outcome.status, queue={"id": queue_id}, **part)
    now = hours_of(found)
    changes = forms.compare(submitted_hours, forms.original(form), now)
    if changes.stale or not changes.changed:
        outcome = Outcome(stale=changes.stale) if changes.stale else Outcome(unchanged=True)
        part = await hours_part(ctx, user, queue_id, outcome=outcome)
    else:
        saved, outcome = await forms.attempt(
            lambda: ctx.services.agents.put(path, token, json={"hours": rules if own else None})
        )
        if saved is not None:
            part = await hours_part(ctx, user, queue_id, outcome=outcome)
        else:
            part = await hours_part(ctx, user, queue_id, outcome=outcome, shown=shown, base=now)
    return render(ctx, page, "admin/_queue_hours.html", status=outcome.status, queue={"id": queue_id}, **part)
