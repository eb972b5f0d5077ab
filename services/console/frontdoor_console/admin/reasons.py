"""The tenant's contact reasons (members' `/v1/tenant/settings`): the list the desk completes calls with.

The service takes the whole settings (`PUT`), so adding or removing a reason reads them fresh
and sends them back with one reason more or less: a reason someone else added or removed
meanwhile is kept, and adding one that is there already (or removing one that is gone) is said
in words (409), with nothing sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from frontdoor_console.admin import forms
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.auth.user import User
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.i18n.names import N_
from frontdoor_console.web.page import Page, UserPage, is_htmx, render_page_or_part

router = APIRouter(route_class=AdminRoute)

KEPT = ("country", "phone_region", "placeholder_national_ids")


def _answer(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    settings: dict[str, Any] | None,
    outcome: Outcome,
    entered: str = "",
    *,
    down: str | None = None,
) -> HTMLResponse:
    return render_page_or_part(
        ctx,
        page,
        request,
        "admin/reasons.html",
        "admin/_reasons.html",
        status=503 if down and not is_htmx(request) else outcome.status,
        reasons=(settings or {}).get("reasons") or [],
        loaded=settings is not None,
        outcome=outcome,
        entered=entered,
        down=down,
    )


@router.get("/reasons")
async def reasons_page(request: Request, ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """The tenant's contact reasons."""
    token = ctx.tokens.for_user(user)
    settings, outcome = await forms.attempt(lambda: ctx.services.members.get("/v1/tenant/settings", token))
    return _answer(ctx, page, request, settings, Outcome(), down=outcome.down)


async def _change(
    ctx: ConsoleContext, page: Page, request: Request, user: User, code: str, *, adding: bool
) -> HTMLResponse:
    token = ctx.tokens.for_user(user)
    settings, outcome = await forms.attempt(lambda: ctx.services.members.get("/v1/tenant/settings", token))
    if settings is None:
        return _answer(ctx, page, request, None, outcome, code, down=outcome.down)
    reasons = list(settings.get("reasons") or [])
    if adding and code in reasons:
        return _answer(ctx, page, request, settings, Outcome(stale=("code",)), code)
    if not adding and code not in reasons:
        return _answer(ctx, page, request, settings, Outcome(gone=True))
    if adding and not code:
        message = ctx.templates.gettext(page.locale, N_("Give the reason's code."))
        return _answer(ctx, page, request, settings, Outcome(notes={"code": message}), code)
    changed = [*reasons, code] if adding else [r for r in reasons if r != code]
    body = {**{k: settings[k] for k in KEPT if k in settings}, "reasons": changed}
    saved, outcome = await forms.attempt(lambda: ctx.services.members.put("/v1/tenant/settings", token, json=body))
    if saved is None:
        if outcome.refused is not None and (outcome.refused.field or "").startswith("reasons"):
            outcome.notes["code"] = outcome.refused.detail
        return _answer(ctx, page, request, settings, outcome, code)
    ctx.tenants.forget(user.tenant_id)  # the desk's list of reasons
    return _answer(ctx, page, request, saved, outcome)


@router.post("/reasons")
async def add_reason(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Add a reason (a code such as `pension`; its name on screen comes from the catalogues)."""
    code = forms.text(await request.form(), "code")
    return await _change(ctx, page, request, user, code, adding=True)


@router.post("/reasons/remove")
async def remove_reason(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Remove a reason from the list (calls completed with it keep it)."""
    code = forms.text(await request.form(), "code")
    return await _change(ctx, page, request, user, code, adding=False)
