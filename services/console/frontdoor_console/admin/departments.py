"""Departments (members' `/v1/departments`): the list, a new department, a department to edit.

A department's email is its case workers' address: the desk's forwards go there, and a
department without one refuses them. The edit form sends only what the user changed
(`PATCH`; an emptied email is sent as null, which clears it) after the three-way compare of
`forms`. Members' 409 (a code another department has) and 422 (an email that is not one
plain address ...) stand beside the field they name, said in the user's language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from frontdoor_console.admin import forms
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.i18n.names import N_
from frontdoor_console.web.page import Page, UserPage, render, render_page_or_part

router = APIRouter(route_class=AdminRoute)

NEW_DEPARTMENT: dict[str, Any] = {"code": "", "name": "", "email": None, "workplaces": []}
CODE_TAKEN = N_("Another department has this code: choose another.")
NOT_AN_ADDRESS = N_("Not an email address: give one plain address, such as case.worker@example.org, or leave it empty.")


def editable(department: dict[str, Any]) -> dict[str, Any]:
    """The department as the form edits and compares it."""
    return {
        "code": department.get("code") or "",
        "name": department.get("name") or "",
        "email": department.get("email") or None,
        "workplaces": [str(w) for w in department.get("workplaces") or []],
    }


def submitted(form: FormData) -> dict[str, Any]:
    """The department as the form sends it: an empty email is None (no address), the
    workplaces are the textarea's lines (empty ones dropped)."""
    raw = form.get("workplaces")
    lines = raw.splitlines() if isinstance(raw, str) else []
    return {
        "code": forms.text(form, "code"),
        "name": forms.text(form, "name"),
        "email": forms.optional_text(form, "email"),
        "workplaces": [line.strip() for line in lines if line.strip()],
    }


def in_words(ctx: ConsoleContext, page: Page, outcome: Outcome) -> Outcome:
    """Members' refusals this page expects, said in the user's language (beside the field and above)."""
    refused = outcome.refused
    if refused is None:
        return outcome
    detail = None
    if refused.error_id == "department_code_taken":
        detail = CODE_TAKEN
    elif refused.status == 422 and refused.field == "email":
        detail = NOT_AN_ADDRESS
    if detail is None:
        return outcome
    said = ctx.templates.gettext(page.locale, detail)
    outcome.refused = ServiceRefused(refused.service, refused.status, refused.error_id, said, refused.field)
    return outcome


def _form(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    *,
    department: dict[str, Any] | None,
    values: dict[str, Any],
    outcome: Outcome,
    department_id: str | None = None,
    created: bool = False,
    base: dict[str, Any] | None = None,
    down: str | None = None,
) -> HTMLResponse:
    """The department's page (or, for htmx, its form); `department_id` is the one edited (None:
    a new one), `base` as in the queue's form: what the department is now, when the form shows
    other values (refused ones); `down`: members did not answer, so there is no form to show."""
    return render_page_or_part(
        ctx,
        page,
        request,
        "admin/department.html",
        "admin/_department_form.html",
        status=503 if down else outcome.status,
        department=department,
        department_id=department_id or (str(department["id"]) if department else None),
        down=down,
        values=values,
        original=forms.drawn(values if base is None else base),
        outcome=outcome,
        created=created,
    )


@router.get("/departments")
async def department_list(ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """Every department: its code, name, case workers' address and workplaces."""
    token = ctx.tokens.for_user(user)
    try:
        found, down = await ctx.services.members.get("/v1/departments", token, params={"limit": 500}), None
    except ServiceDown as exc:
        found, down = [], exc.service
    return render(ctx, page, "admin/departments.html", status=503 if down else 200, departments=found, down=down)


@router.get("/departments/new")
async def new_department(request: Request, ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """The form of a new department."""
    return _form(ctx, page, request, department=None, values=dict(NEW_DEPARTMENT), outcome=Outcome())


@router.post("/departments")
async def create_department(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Create the department; then its own page."""
    values = submitted(await request.form())
    token = ctx.tokens.for_user(user)
    made, outcome = await forms.attempt(lambda: ctx.services.members.post("/v1/departments", token, json=values))
    if made is not None:
        return forms.went_to(request, f"/admin/departments/{made['id']}?created=1")
    return _form(ctx, page, request, department=None, values=values, outcome=in_words(ctx, page, outcome))


@router.get("/departments/{department_id}")
async def department_page(
    request: Request, ctx: ContextDep, page: UserPage, user: Administrator, department_id: str
) -> HTMLResponse:
    """A department to edit; another tenant's (or junk) is the 404 page, members down is said."""
    department_id = forms.object_id(department_id)
    token = ctx.tokens.for_user(user)
    try:
        found = await forms.found(ctx.services.members.get(f"/v1/departments/{department_id}", token))
    except ServiceDown as exc:
        values = dict(NEW_DEPARTMENT)
        return _form(
            ctx,
            page,
            request,
            department=None,
            values=values,
            outcome=Outcome(),
            department_id=department_id,
            down=exc.service,
        )
    created = request.query_params.get("created") == "1"
    return _form(
        ctx, page, request, department=found, values=editable(found), outcome=Outcome(saved=created), created=created
    )


@router.post("/departments/{department_id}")
async def update_department(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, department_id: str
) -> Response:
    """Change what the user changed (and nothing someone else changed meanwhile)."""
    department_id = forms.object_id(department_id)
    form = await request.form()
    values = submitted(form)
    token = ctx.tokens.for_user(user)
    url = f"/v1/departments/{department_id}"
    current, outcome = await forms.attempt(lambda: ctx.services.members.get(url, token))
    if current is None:
        if outcome.gone:
            return forms.gone(ctx, page)
        base = forms.original(form)  # the next submit compares against what this one did
        return _form(
            ctx, page, request, department=None, department_id=department_id, values=values, outcome=outcome, base=base
        )
    changes = forms.compare(values, forms.original(form), editable(current))
    if changes.stale:
        return _form(
            ctx, page, request, department=current, values=editable(current), outcome=Outcome(stale=changes.stale)
        )
    if not changes.changed:
        return _form(ctx, page, request, department=current, values=editable(current), outcome=Outcome(unchanged=True))
    saved, outcome = await forms.attempt(
        lambda: ctx.services.members.request("PATCH", url, token, json=changes.changed)
    )
    if saved is not None:
        return _form(ctx, page, request, department=saved, values=editable(saved), outcome=outcome)
    if outcome.gone:
        return forms.gone(ctx, page)
    outcome = in_words(ctx, page, outcome)
    return _form(ctx, page, request, department=current, values=values, outcome=outcome, base=editable(current))
