"""Personal data (`/privacy`, administrators): a member's access report and erasure, the erasure
requests, the tenant's retention windows (issue 17). Members owns all of it; the console asks.

- **Find a member** by member number or phone (members' `GET /v1/members/lookup`, as the desk
  does): each candidate's card (`/privacy/members/{id}`) with two actions.
- **Download access report** (`/privacy/members/{id}/report`, `?format=html` the readable
  document): members' `GET /v1/members/{id}/personal-data` passed on to the browser as it comes
  (streamed, never held whole here), as a file to save. Members gathers every service's part.
- **Erase personal data** (`/privacy/members/{id}/erase`): a confirmation that asks for the
  member number typed out, then members' `POST /v1/members/{id}/erasure` (CSRF-protected like
  every form here). A number that is not the member's sends nothing.
- **Erasure requests** (`/privacy/erasures`, members' `GET /v1/erasures`): each request with each
  service's part (pending or done, what was removed, what was kept and why); while one is in
  progress the list asks again every two seconds (htmx).
- **Retention** (`/privacy/retention`, members' `GET`/`PUT /v1/retention`): a number of days per
  kind of data, empty for "kept"; members' 422 stands beside the field it names.

Every route answers a user who is not an administrator with the administration's 403 page; the
tokens of agents, supervisors and team leads carry neither `privacy:export` nor `privacy:erase`.
No personal data is logged here.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from frontdoor_common.events.privacy import RETENTION_KINDS
from frontdoor_console.admin import forms
from frontdoor_console.admin.access import Administrator, AdminRoute, PostingAdministrator
from frontdoor_console.admin.forms import Outcome
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.i18n.names import N_
from frontdoor_console.web.page import Page, UserPage, render, render_page_or_part

router = APIRouter(prefix="/privacy", tags=["privacy"], include_in_schema=False, route_class=AdminRoute)

QUERY_CHARS = 40
NOTE_CHARS = 500
ERASURES_SHOWN = 50
REFRESH_SECONDS = 2
REPORT_TIMEOUT_S = 120.0  # between two chunks of the report: members asks every service in turn
MAX_DAYS = 36500
_MEMBER_NUMBER = re.compile(r"^[0-9]{1,20}$")
_DAYS = re.compile(r"^\d{1,9}$")

NOT_THE_NUMBER = N_("This is not the member's number: type the member number shown above to confirm.")
NOTE_TOO_LONG = N_("The note is too long: at most 500 characters.")
DAYS_REFUSED = N_("Give a whole number of days from 1 to 36500, or leave it empty to keep this data.")


# ---- finding a member ----


async def _candidates(ctx: ConsoleContext, token: str, key: str, value: str) -> list[dict[str, Any]]:
    """Members' lookup by one key; a value members refuses as malformed finds nobody."""
    try:
        found = await ctx.services.members.get("/v1/members/lookup", token, params={key: value})
    except ServiceRefused as exc:
        if exc.status in (400, 404, 422):
            return []
        raise
    return list(found.get("candidates") or [])


async def find_members(ctx: ConsoleContext, token: str, query: str) -> list[dict[str, Any]]:
    """The members a query names: by member number when it can be one, and by phone; each once."""
    calls = [_candidates(ctx, token, "phone", query)]
    if _MEMBER_NUMBER.match(query):
        calls.insert(0, _candidates(ctx, token, "member_number", query))
    found: dict[str, dict[str, Any]] = {}
    for listed in await asyncio.gather(*calls):
        for candidate in listed:
            found.setdefault(str(candidate.get("member_id")), candidate)
    return list(found.values())


@router.get("")
async def find(ctx: ContextDep, page: UserPage, user: Administrator, q: str = "") -> HTMLResponse:
    """The search for a member (by member number or phone) and what it found."""
    query = q.strip()[:QUERY_CHARS]
    candidates: list[dict[str, Any]] = []
    down = None
    if query:
        try:
            candidates = await find_members(ctx, ctx.tokens.for_user(user), query)
        except ServiceDown as exc:
            down = exc.service
    return render(
        ctx,
        page,
        "privacy/find.html",
        status=503 if down else 200,
        query=query,
        searched=bool(query),
        candidates=candidates,
        down=down,
    )


# ---- one member: the card, the report, the erasure ----


async def _member(ctx: ConsoleContext, token: str, member_id: str) -> dict[str, Any]:
    """The member (masked: nothing revealed, nothing audited); another tenant's, unknown or erased: the 404 page."""
    return dict(await forms.found(ctx.services.members.get(f"/v1/members/{member_id}", token)))


async def _erasures(ctx: ConsoleContext, token: str) -> list[dict[str, Any]]:
    """The newest erasure requests."""
    found = await ctx.services.members.get("/v1/erasures", token, params={"limit": ERASURES_SHOWN})
    items = found.get("items") if isinstance(found, dict) else found
    return list(items or [])


async def _erasure_of(ctx: ConsoleContext, token: str, member_id: str) -> dict[str, Any] | None:
    """The member's erasure request among the newest, if any (members down or refusing: not known)."""
    try:
        listed = await _erasures(ctx, token)
    except (ServiceDown, ServiceRefused):
        return None
    return next((e for e in listed if str(e.get("member_id")) == member_id), None)


@router.get("/members/{member_id}")
async def member_card(ctx: ContextDep, page: UserPage, user: Administrator, member_id: str) -> HTMLResponse:
    """The member's card with their access report and the erasure of their personal data."""
    member_id = forms.object_id(member_id)
    token = ctx.tokens.for_user(user)
    try:
        member = await _member(ctx, token, member_id)
    except ServiceDown as exc:
        return render(ctx, page, "privacy/member.html", status=503, member=None, down=exc.service, erasure=None)
    erasure = await _erasure_of(ctx, token, member_id)
    return render(ctx, page, "privacy/member.html", member=member, down=None, erasure=erasure)


async def _passed_on(upstream: httpx.Response) -> AsyncIterator[bytes]:
    """The upstream body, chunk by chunk; the upstream response is closed however it ends."""
    try:
        async for chunk in upstream.aiter_bytes():
            yield chunk
    finally:
        await upstream.aclose()


@router.get("/members/{member_id}/report")
async def access_report(
    ctx: ContextDep, page: UserPage, user: Administrator, member_id: str, format: str = "json"
) -> Response:
    """The member's access report as a file: JSON, or (`format=html`) the readable document."""
    member_id = forms.object_id(member_id)
    if format not in ("json", "html"):
        raise HTTPException(status_code=404)
    params = {"format": "html"} if format == "html" else None
    try:
        upstream = await ctx.services.members.open_stream(
            f"/v1/members/{member_id}/personal-data",
            ctx.tokens.for_user(user),
            params=params,
            timeout=REPORT_TIMEOUT_S,
        )
    except ServiceDown as exc:
        return render(ctx, page, "errors/down.html", status=503, service=exc.service)
    except ServiceRefused as exc:
        if exc.status in (404, 422):
            raise HTTPException(status_code=404) from None
        raise
    default_type = "text/html; charset=utf-8" if format == "html" else "application/json"
    media_type = upstream.headers.get("content-type", default_type)
    filename = f"personal-data-{member_id}.{format}"
    return StreamingResponse(
        _passed_on(upstream),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
        background=BackgroundTask(upstream.aclose),  # also when the browser left before the first chunk
    )


def _confirm_form(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    *,
    member: dict[str, Any],
    outcome: Outcome,
    typed: str = "",
    note: str = "",
) -> HTMLResponse:
    """The confirmation (the whole page, or for htmx its form); a note of the console's own is a 422."""
    return render_page_or_part(
        ctx,
        page,
        request,
        "privacy/erase.html",
        "privacy/_erase_form.html",
        status=422 if outcome.notes else outcome.status,
        member=member,
        outcome=outcome,
        typed=typed,
        note=note,
    )


@router.get("/members/{member_id}/erase")
async def erase_form(
    request: Request, ctx: ContextDep, page: UserPage, user: Administrator, member_id: str
) -> HTMLResponse:
    """The confirmation step: the member number typed out, an optional note."""
    member_id = forms.object_id(member_id)
    token = ctx.tokens.for_user(user)
    try:
        member = await _member(ctx, token, member_id)
    except ServiceDown as exc:
        return render(ctx, page, "privacy/member.html", status=503, member=None, down=exc.service, erasure=None)
    return _confirm_form(ctx, page, request, member=member, outcome=Outcome())


def _said(ctx: ConsoleContext, page: Page, field: str, message: str) -> Outcome:
    """A refusal of the console's own, beside `field`, in the user's language."""
    return Outcome(notes={field: ctx.templates.gettext(page.locale, message)})


@router.post("/members/{member_id}/erase")
async def erase(
    request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator, member_id: str
) -> Response:
    """Request the erasure when the typed number is the member's; then the erasure requests."""
    member_id = forms.object_id(member_id)
    form = await request.form()
    typed = forms.text(form, "member_number")[:40]
    note = forms.text(form, "note")
    token = ctx.tokens.for_user(user)
    member, outcome = await forms.attempt(lambda: _member(ctx, token, member_id))
    if member is None:
        return render(ctx, page, "privacy/member.html", status=503, member=None, down=outcome.down, erasure=None)
    if typed != str(member.get("member_number")):
        return _confirm_form(
            ctx, page, request, member=member, outcome=_said(ctx, page, "member_number", NOT_THE_NUMBER), note=note
        )
    if len(note) > NOTE_CHARS:
        return _confirm_form(
            ctx, page, request, member=member, outcome=_said(ctx, page, "note", NOTE_TOO_LONG), typed=typed, note=note
        )
    body = {"note": note} if note else {}
    made, outcome = await forms.attempt(
        lambda: ctx.services.members.post(f"/v1/members/{member_id}/erasure", token, json=body)
    )
    if made is not None:
        return forms.went_to(request, f"/privacy/erasures?requested={made['erasure_id']}")
    if outcome.gone:
        return forms.gone(ctx, page)
    return _confirm_form(ctx, page, request, member=member, outcome=outcome, typed=typed, note=note)


# ---- the erasure requests ----


async def _staff_names(ctx: ConsoleContext, token: str) -> dict[str, str]:
    """Agent id -> name, for who requested an erasure (agents down: the ids are shown)."""
    try:
        staff = await ctx.services.agents.get("/v1/agents", token, params={"limit": 500})
    except (ServiceDown, ServiceRefused):
        return {}
    return {str(a.get("id")): str(a.get("name")) for a in staff or [] if isinstance(a, dict)}


@router.get("/erasures")
async def erasures(
    request: Request, ctx: ContextDep, page: UserPage, user: Administrator, requested: str = ""
) -> HTMLResponse:
    """The erasure requests, newest first, with each service's part; htmx asks again while one is in progress."""
    token = ctx.tokens.for_user(user)
    down = None
    listed: list[dict[str, Any]] = []
    try:
        listed, names = await asyncio.gather(_erasures(ctx, token), _staff_names(ctx, token))
    except ServiceDown as exc:
        down, names = exc.service, {}
    waiting = any(e.get("status") != "completed" for e in listed)
    return render_page_or_part(
        ctx,
        page,
        request,
        "privacy/erasures.html",
        "privacy/_erasures.html",
        status=503 if down else 200,
        erasures=listed,
        names=names,
        down=down,
        waiting=waiting,
        refresh=REFRESH_SECONDS,
        requested=requested[:64],
    )


# ---- retention ----


def windows_of(found: Any) -> dict[str, int]:
    """The windows members answered, kept to the known kinds."""
    windows = found.get("windows") if isinstance(found, dict) else None
    return {k: int(v) for k, v in (windows or {}).items() if k in RETENTION_KINDS and isinstance(v, int)}


def submitted_windows(form: FormData) -> tuple[dict[str, int | str], dict[str, str]]:
    """The windows the form sends (an empty field: kept, so absent) and the fields as typed.
    A value that is not a whole number is passed on as typed: members names it (its 422)."""
    typed = {kind: forms.text(form, kind)[:20] for kind in RETENTION_KINDS}
    windows: dict[str, int | str] = {}
    for kind, value in typed.items():
        if value:
            windows[kind] = int(value) if _DAYS.match(value) else value
    return windows, typed


def _kind_of(field: str | None) -> str | None:
    """The kind a members' 422 names (`windows.call_records`, or the kind alone)."""
    if not field:
        return None
    kind = field.removeprefix("body.").removeprefix("windows.").split(".")[0]
    return kind if kind in RETENTION_KINDS else None


def _retention_page(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    *,
    typed: dict[str, str],
    outcome: Outcome,
    updated_at: str | None = None,
    down: str | None = None,
) -> HTMLResponse:
    return render_page_or_part(
        ctx,
        page,
        request,
        "privacy/retention.html",
        "privacy/_retention_form.html",
        status=503 if down else outcome.status,
        kinds=RETENTION_KINDS,
        typed=typed,
        outcome=outcome,
        updated_at=updated_at,
        down=down,
        max_days=MAX_DAYS,
    )


@router.get("/retention")
async def retention(request: Request, ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """The tenant's retention windows, one field per kind of data."""
    try:
        found = await ctx.services.members.get("/v1/retention", ctx.tokens.for_user(user))
    except ServiceDown as exc:
        return _retention_page(ctx, page, request, typed={}, outcome=Outcome(), down=exc.service)
    typed = {kind: str(days) for kind, days in windows_of(found).items()}
    return _retention_page(ctx, page, request, typed=typed, outcome=Outcome(), updated_at=found.get("updated_at"))


@router.post("/retention")
async def save_retention(request: Request, ctx: ContextDep, page: UserPage, user: PostingAdministrator) -> Response:
    """Send the whole set of windows (a kind left empty is kept); members' 422 beside its field."""
    windows, typed = submitted_windows(await request.form())
    token = ctx.tokens.for_user(user)
    saved, outcome = await forms.attempt(
        lambda: ctx.services.members.put("/v1/retention", token, json={"windows": windows})
    )
    if saved is not None:
        typed = {kind: str(days) for kind, days in windows_of(saved).items()}
        return _retention_page(ctx, page, request, typed=typed, outcome=outcome, updated_at=saved.get("updated_at"))
    refused = outcome.refused
    if refused is not None and refused.status in (400, 422):
        kind = _kind_of(refused.field)
        if kind is not None:
            said = ctx.templates.gettext(page.locale, DAYS_REFUSED)
            outcome.refused = ServiceRefused(refused.service, refused.status, refused.error_id, said, kind)
    return _retention_page(ctx, page, request, typed=typed, outcome=outcome)
