"""A playbook per contact reason (members' `/v1/playbooks/{code}`): the steps the desk shows
for calls about the reason, a fixed number to transfer to in one step, a question to ask first,
whether to consult the person asked for before transferring, and a fallback contact (a name and
a number: for media, the tenant's press contact) for a caller who names nobody.

The form sends the whole playbook (`PUT`); the steps are the textarea's lines (empty ones
dropped). Members checks the values (at most 20 steps of 500 characters, a valid number) and
its refusal is shown beside the field it names. A code that is not one of the tenant's reasons
is the 404 page.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from frontdoor_console.admin import forms
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.web.page import Page, UserPage, render_page_or_part

router = APIRouter(route_class=AdminRoute)

EMPTY: dict[str, Any] = {
    "steps": [],
    "transfer_number": None,
    "ask_first": None,
    "consult_first": False,
    "fallback_contact": None,
}


_CODE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")  # members' shape of a reason code


def _url(code: str) -> str:
    """Members' URL of the playbook; a code that cannot be a reason is the 404 page (members is not asked)."""
    if not _CODE.match(code):
        raise HTTPException(status_code=404)
    return f"/v1/playbooks/{code}"


def _answer(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    code: str,
    values: dict[str, Any],
    outcome: Outcome,
    *,
    removed: bool = False,
    down: str | None = None,
) -> HTMLResponse:
    return render_page_or_part(
        ctx,
        page,
        request,
        "admin/playbook.html",
        "admin/_playbook_form.html",
        status=503 if down else outcome.status,
        down=down,
        code=code,
        values={**EMPTY, **values},
        outcome=outcome,
        removed=removed,
    )


def _fallback(name: str, number: str) -> dict[str, str] | None:
    """The fallback contact: none when both are empty; half of one is sent for members to name the missing part."""
    if not name and not number:
        return None
    return {"name": name, "number": number}


@router.get("/reasons/{code}/playbook")
async def playbook_page(
    request: Request, ctx: ContextDep, page: UserPage, user: Administrator, code: str
) -> HTMLResponse:
    """The reason's playbook form (empty when it has none yet)."""
    url, token = _url(code), ctx.tokens.for_user(user)
    settings, outcome = await forms.attempt(lambda: ctx.services.members.get("/v1/tenant/settings", token))
    if settings is None and outcome.down:
        return _answer(ctx, page, request, code, EMPTY, Outcome(), down=outcome.down)
    if settings is None or code not in (settings.get("reasons") or []):
        raise HTTPException(status_code=404)
    found, outcome = await forms.attempt(lambda: ctx.services.members.get(url, token))
    if outcome.down:
        return _answer(ctx, page, request, code, EMPTY, Outcome(), down=outcome.down)
    return _answer(ctx, page, request, code, found or EMPTY, Outcome())


@router.post("/reasons/{code}/playbook")
async def save_playbook(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, code: str
) -> Response:
    """Save the whole playbook."""
    url = _url(code)
    form = await request.form()
    raw = form.get("steps")
    lines = raw.splitlines() if isinstance(raw, str) else []
    body = {
        "steps": [line.strip() for line in lines if line.strip()],
        "transfer_number": forms.optional_text(form, "transfer_number"),
        "ask_first": forms.optional_text(form, "ask_first"),
        "consult_first": form.get("consult_first") == "on",
        "fallback_contact": _fallback(forms.text(form, "fallback_name"), forms.text(form, "fallback_number")),
    }
    token = ctx.tokens.for_user(user)
    saved, outcome = await forms.attempt(lambda: ctx.services.members.put(url, token, json=body))
    if saved is None:
        refused = outcome.refused
        if refused is not None and refused.field == "code":  # no longer one of the tenant's reasons
            return _answer(ctx, page, request, code, body, Outcome(gone=True))
        return _answer(ctx, page, request, code, body, outcome)
    return _answer(ctx, page, request, code, saved, outcome)


@router.post("/reasons/{code}/playbook/remove")
async def remove_playbook(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, code: str
) -> Response:
    """Remove the playbook (the reason stays in the list)."""
    url, token = _url(code), ctx.tokens.for_user(user)
    _, outcome = await forms.attempt(lambda: ctx.services.members.request("DELETE", url, token))
    if outcome.failed:
        return _answer(ctx, page, request, code, EMPTY, outcome)
    return _answer(ctx, page, request, code, EMPTY, outcome, removed=True)
