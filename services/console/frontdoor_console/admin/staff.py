"""Staff (agents' `/v1/agents`) and their queue memberships with proficiency 1-5.

A person's page edits their profile (PATCH: only what changed) and their queues: join a queue
with a proficiency, change it, leave (`PUT`/`DELETE /v1/agents/{id}/queues/{queue_id}`). The
queues' names come from routing; routing down leaves the queue names out, not the page.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from frontdoor_console.admin import forms
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.i18n.names import N_
from frontdoor_console.web.page import Page, UserPage, render, render_page_or_part

router = APIRouter(route_class=AdminRoute)

_SEPARATORS = re.compile(r"[\s,;]+")


def editable(agent: dict[str, Any]) -> dict[str, Any]:
    """The profile the form edits, as the form compares it."""
    values = {
        "name": agent.get("name") or "",
        "extension": agent.get("extension"),
        "languages": list(agent.get("languages") or []),
        "team_id": str(agent["team_id"]) if agent.get("team_id") else None,
    }
    if "active" in agent:
        values["active"] = bool(agent["active"])
    return values


def submitted(form: FormData, *, editing: bool) -> dict[str, Any]:
    """The profile as the form sends it."""
    values: dict[str, Any] = {
        "name": forms.text(form, "name"),
        "extension": forms.optional_text(form, "extension"),
        "languages": [part for part in _SEPARATORS.split(forms.text(form, "languages")) if part],
        "team_id": forms.optional_text(form, "team_id"),
    }
    if editing:
        values["active"] = forms.flag(form, "active")
    return values


async def _optional(call: Any) -> Any:
    try:
        return await call
    except (ServiceDown, ServiceRefused):
        return None


async def queue_names(ctx: ConsoleContext, user: User) -> dict[str, str] | None:
    """The tenant's queues by id (None when routing does not answer)."""
    found = await _optional(ctx.services.routing.get("/v1/queues", ctx.tokens.for_user(user)))
    return {str(q["id"]): str(q["name"]) for q in found} if found is not None else None


async def teams(ctx: ConsoleContext, user: User) -> list[dict[str, Any]]:
    """The tenant's teams (none when the agents service does not answer)."""
    return list(await _optional(ctx.services.agents.get("/v1/teams", ctx.tokens.for_user(user))) or [])


def _page(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    *,
    agent: dict[str, Any] | None,
    values: dict[str, Any],
    outcome: Outcome,
    team_list: list[dict[str, Any]],
    names: dict[str, str] | None,
    created: bool = False,
    base: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The person's page (or, for htmx, the profile form); `base` as in the queue's form."""
    return render_page_or_part(
        ctx,
        page,
        request,
        "admin/person.html",
        "admin/_person_form.html",
        status=outcome.status,
        agent=agent,
        values=values,
        original=forms.drawn(values if base is None else base),
        outcome=outcome,
        teams=team_list,
        names=names or {},
        routing_down=names is None,
        created=created,
        membership=Outcome(),
    )


def _memberships(
    ctx: ConsoleContext,
    page: Page,
    agent: dict[str, Any],
    names: dict[str, str] | None,
    outcome: Outcome,
    entered: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The queues section again; `entered` is what the user sent (the form that failed keeps it)."""
    return render(
        ctx,
        page,
        "admin/_memberships.html",
        status=outcome.status,
        agent=agent,
        names=names or {},
        routing_down=names is None,
        membership=outcome,
        entered=entered or {},
    )


@router.get("/staff")
async def staff_list(ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """Every member of staff, with their team and queues."""
    token = ctx.tokens.for_user(user)
    try:
        staff, down = await ctx.services.agents.get("/v1/agents", token, params={"limit": 500}), None
    except ServiceDown as exc:
        staff, down = [], exc.service
    names = await queue_names(ctx, user)
    team_names = {str(t["id"]): t["name"] for t in await teams(ctx, user)}
    return render(
        ctx,
        page,
        "admin/staff.html",
        status=503 if down else 200,
        staff=staff,
        down=down,
        names=names or {},
        team_names=team_names,
    )


@router.get("/staff/new")
async def new_person(request: Request, ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """The form of a new member of staff."""
    values: dict[str, Any] = {"name": "", "extension": None, "languages": ["no"], "team_id": None}
    team_list = await teams(ctx, user)
    return _page(ctx, page, request, agent=None, values=values, outcome=Outcome(), team_list=team_list, names={})


@router.post("/staff")
async def create_person(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Create the member of staff; then their own page (to add their queues)."""
    values = submitted(await request.form(), editing=False)
    token = ctx.tokens.for_user(user)
    made, outcome = await forms.attempt(lambda: ctx.services.agents.post("/v1/agents", token, json=values))
    if made is not None:
        return forms.went_to(request, f"/admin/staff/{made['id']}?created=1")
    team_list = await teams(ctx, user)
    return _page(ctx, page, request, agent=None, values=values, outcome=outcome, team_list=team_list, names={})


@router.get("/staff/{agent_id}")
async def person_page(
    request: Request, ctx: ContextDep, page: UserPage, user: Administrator, agent_id: str
) -> HTMLResponse:
    """A member of staff: their profile and their queues."""
    agent_id = forms.object_id(agent_id)
    agent = await forms.found(ctx.services.agents.get(f"/v1/agents/{agent_id}", ctx.tokens.for_user(user)))
    created = request.query_params.get("created") == "1"
    return _page(
        ctx,
        page,
        request,
        agent=agent,
        values=editable(agent),
        outcome=Outcome(saved=created),
        team_list=await teams(ctx, user),
        names=await queue_names(ctx, user),
        created=created,
    )


@router.post("/staff/{agent_id}")
async def update_person(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, agent_id: str
) -> Response:
    """Change what the user changed of the profile."""
    agent_id = forms.object_id(agent_id)
    form = await request.form()
    values = submitted(form, editing=True)
    token = ctx.tokens.for_user(user)
    current, outcome = await forms.attempt(lambda: ctx.services.agents.get(f"/v1/agents/{agent_id}", token))
    team_list = await teams(ctx, user)
    if current is None:
        if outcome.gone:
            return forms.gone(ctx, page)
        return _page(ctx, page, request, agent=None, values=values, outcome=outcome, team_list=team_list, names={})
    changes = forms.compare(values, forms.original(form), editable(current))
    if changes.stale:
        outcome = Outcome(stale=changes.stale)
        values = editable(current)
    elif not changes.changed:
        outcome, values = Outcome(unchanged=True), editable(current)
    else:
        saved, outcome = await forms.attempt(
            lambda: ctx.services.agents.request("PATCH", f"/v1/agents/{agent_id}", token, json=changes.changed)
        )
        if outcome.gone:
            return forms.gone(ctx, page)
        if saved is not None:
            current, values = saved, editable(saved)
    base = editable(current)
    return _page(
        ctx, page, request, agent=current, values=values, outcome=outcome, team_list=team_list, names={}, base=base
    )


@router.post("/staff/{agent_id}/queues")
async def set_membership(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, agent_id: str
) -> Response:
    """Join a queue with a proficiency (1-5), or change the proficiency in one (`joining` says which)."""
    agent_id = forms.object_id(agent_id)
    form = await request.form()
    queue_id = forms.text(form, "queue_id")
    proficiency = forms.number(form, "proficiency")
    joining = forms.text(form, "joining") == "1"
    token = ctx.tokens.for_user(user)
    names = await queue_names(ctx, user)
    agent, outcome = await forms.attempt(lambda: ctx.services.agents.get(f"/v1/agents/{agent_id}", token))
    if agent is None:
        return forms.gone(ctx, page) if outcome.gone else _memberships(ctx, page, {}, names, outcome)
    held = {str(m["queue_id"]): m for m in agent.get("queues") or []}
    entered = {"queue_id": queue_id, "proficiency": proficiency, "joining": joining}
    if not queue_id:
        outcome = Outcome(notes={"queue_id": _choose(ctx, page)})
        return _memberships(ctx, page, agent, names, outcome, entered)
    if joining and queue_id in held:
        return _memberships(ctx, page, agent, names, Outcome(stale=("queue_id",)), entered)
    if not joining and queue_id not in held:
        return _memberships(ctx, page, agent, names, Outcome(gone=True), entered)
    order = held[queue_id].get("order", 0) if queue_id in held else 0
    body = {"proficiency": proficiency, "order": order}
    saved, outcome = await forms.attempt(
        lambda: ctx.services.agents.put(f"/v1/agents/{agent_id}/queues/{queue_id}", token, json=body)
    )
    return _memberships(ctx, page, saved or agent, names, outcome, None if saved else entered)


@router.post("/staff/{agent_id}/queues/{queue_id}/leave")
async def leave_queue(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, agent_id: str, queue_id: str
) -> Response:
    """Take the member of staff out of a queue."""
    agent_id, queue_id = forms.object_id(agent_id), forms.object_id(queue_id)
    token = ctx.tokens.for_user(user)
    names = await queue_names(ctx, user)
    _, outcome = await forms.attempt(
        lambda: ctx.services.agents.request("DELETE", f"/v1/agents/{agent_id}/queues/{queue_id}", token)
    )
    agent, fault = await forms.attempt(lambda: ctx.services.agents.get(f"/v1/agents/{agent_id}", token))
    if agent is None:
        return forms.gone(ctx, page) if fault.gone else _memberships(ctx, page, {}, names, fault)
    return _memberships(ctx, page, agent, names, outcome)


def _choose(ctx: ConsoleContext, page: Page) -> str:
    return ctx.templates.gettext(page.locale, N_("Choose a queue."))
