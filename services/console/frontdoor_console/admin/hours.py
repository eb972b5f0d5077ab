"""Opening hours, public holidays and closures (agents' `/v1/settings` and `/v1/closures`).

The tenant's weekly opening hours, and its country (and subdivision) whose public holidays
close every queue: `PUT /v1/settings` with only the fields changed (the service leaves the
others as they are). Closures close the whole tenant, or one queue, for a span of time; the
form takes the tenant's local time, the service gets an offset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from frontdoor_console.admin import forms
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.admin.staff import queue_names
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.web.page import Page, UserPage, is_htmx, render, render_page_or_part

router = APIRouter(route_class=AdminRoute)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RULES = 20


def editable(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings the form edits, as the form compares them."""
    return {
        "timezone": settings.get("timezone") or "",
        "country": settings.get("country") or "",
        "subdivision": settings.get("subdivision"),
        "opening_hours": [
            {"days": [d for d in DAYS if d in r.get("days", [])], "start": r.get("start"), "end": r.get("end")}
            for r in settings.get("opening_hours") or []
        ],
    }


def _clock(value: str) -> str:
    """A time from the form as the service stores it (hours and minutes)."""
    return value[:5] if len(value) == 8 and value.endswith(":00") else value


def submitted(form: FormData) -> dict[str, Any]:
    """The settings as the form sends them."""
    rules = []
    for i in range(MAX_RULES):
        days = [d for d in DAYS if d in forms.choices(form, f"rule_days_{i}")]
        start, end = forms.text(form, f"rule_start_{i}"), forms.text(form, f"rule_end_{i}")
        if days or start or end:
            rules.append({"days": days, "start": _clock(start) or None, "end": _clock(end) or None})
    return {
        "timezone": forms.text(form, "timezone"),
        "country": forms.text(form, "country").upper(),
        "subdivision": forms.optional_text(form, "subdivision"),
        "opening_hours": rules,
    }


async def _closures(ctx: ConsoleContext, user: User) -> tuple[list[dict[str, Any]], str | None]:
    try:
        found = await ctx.services.agents.get("/v1/closures", ctx.tokens.for_user(user), params={"limit": 500})
        return list(found), None
    except ServiceDown as exc:
        return [], exc.service
    except ServiceRefused:
        return [], None


def _section(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    template: str,
    *,
    status: int,
    **values: Any,
) -> HTMLResponse:
    return render_page_or_part(ctx, page, request, "admin/hours.html", template, status=status, days=DAYS, **values)


async def _everything(ctx: ConsoleContext, user: User) -> dict[str, Any]:
    """What the whole page shows (each part says when its service does not answer)."""
    token = ctx.tokens.for_user(user)
    settings, hours_outcome = await forms.attempt(lambda: ctx.services.agents.get("/v1/settings", token))
    closures, closures_down = await _closures(ctx, user)
    values = editable(settings) if settings else editable({})
    return {
        "values": values,
        "original": forms.drawn(values),
        "outcome": Outcome(),
        "settings_down": hours_outcome.down,
        "closures": closures,
        "closures_down": closures_down,
        "closure": Outcome(),
        "entered": {},
        "names": await queue_names(ctx, user) or {},
    }


@router.get("/hours")
async def hours_page(request: Request, ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """Weekly opening hours, the country's public holidays, the closures."""
    found = await _everything(ctx, user)
    status = 503 if found["settings_down"] else 200
    return render(ctx, page, "admin/hours.html", status=status, days=DAYS, **found)


@router.post("/hours")
async def update_hours(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Change what the user changed of the hours, time zone and country."""
    form = await request.form()
    values = submitted(form)
    token = ctx.tokens.for_user(user)
    current, outcome = await forms.attempt(lambda: ctx.services.agents.get("/v1/settings", token))
    base = forms.original(form)
    if current is not None:
        changes = forms.compare(values, forms.original(form), editable(current))
        if changes.stale:
            outcome, values = Outcome(stale=changes.stale), editable(current)
        elif not changes.changed:
            outcome, values = Outcome(unchanged=True), editable(current)
        else:
            body = dict(changes.changed)
            if "country" in body:
                body["subdivision"] = values["subdivision"]  # a country alone clears the subdivision
            saved, outcome = await forms.attempt(lambda: ctx.services.agents.put("/v1/settings", token, json=body))
            if saved is not None:
                values = editable(saved)
                ctx.tenants.forget(user.tenant_id)  # the pages' time zone and country
        base = values if outcome.saved else editable(current)  # what the object is now
    found = {} if is_htmx(request) else await _everything(ctx, user)
    found.update(values=values, original=forms.drawn(base), outcome=outcome, settings_down=None)
    return _section(ctx, page, request, "admin/_hours_form.html", status=outcome.status, **found)


def _moment(value: str, page: Page) -> str:
    """A local date and time from the form as an RFC 3339 moment in the tenant's zone (else as given)."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=page.fmt.zone).isoformat()
    except ValueError:
        return value


async def _closures_part(
    ctx: ConsoleContext, page: Page, request: Request, user: User, outcome: Outcome, entered: dict[str, Any]
) -> HTMLResponse:
    closures, down = await _closures(ctx, user)
    found: dict[str, Any] = {} if is_htmx(request) else await _everything(ctx, user)
    found.update(
        closures=closures,
        closures_down=down,
        closure=outcome,
        entered=entered,
        names=await queue_names(ctx, user) or {},
    )
    return _section(ctx, page, request, "admin/_closures.html", status=outcome.status, **found)


@router.post("/closures")
async def add_closure(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Close the tenant (or one queue) from a local date and time to another."""
    form = await request.form()
    start, end = forms.text(form, "start"), forms.text(form, "end")
    entered: dict[str, Any] = {
        "title": forms.text(form, "title"),
        "start": start,
        "end": end,
        "queue_id": forms.optional_text(form, "queue_id"),
    }
    body = {**entered, "start": _moment(start, page), "end": _moment(end, page)}
    token = ctx.tokens.for_user(user)
    made, outcome = await forms.attempt(lambda: ctx.services.agents.post("/v1/closures", token, json=body))
    if made is not None:
        entered = {}
    return await _closures_part(ctx, page, request, user, outcome, entered)


@router.post("/closures/{closure_id}/remove")
async def remove_closure(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, closure_id: str
) -> Response:
    """Remove a closure (another tenant's, or one removed already, is not there: said in words)."""
    closure_id = forms.object_id(closure_id)
    token = ctx.tokens.for_user(user)
    _, outcome = await forms.attempt(lambda: ctx.services.agents.request("DELETE", f"/v1/closures/{closure_id}", token))
    return await _closures_part(ctx, page, request, user, outcome, {})
