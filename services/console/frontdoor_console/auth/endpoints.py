"""Sign-in (the development list of staff, or OpenID Connect), sign-out, the session probe."""

from __future__ import annotations

import secrets
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from frontdoor_common.logging import get_logger
from frontdoor_console.auth.deps import (
    CsrfRejected,
    PostingUser,
    cookie_name,
    local_path,
    origin_is_ours,
    session_user,
)
from frontdoor_console.auth.oidc import SignInRefused
from frontdoor_console.auth.roles import ROLES, parse_role
from frontdoor_console.auth.sessions import Identity, same
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.settings import Settings
from frontdoor_console.web.page import AnyPage, render

log = get_logger(__name__)
router = APIRouter(tags=["sign-in"], include_in_schema=False)

SIGNIN_COOKIE = "fd_signin"  # login CSRF: the sign-in form's double-submit token
LOGIN_COOKIE = "fd_login"  # binds an OpenID Connect sign-in to the browser that started it


def _cookie(response: Response, settings: Settings, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )


def start_session(response: Response, ctx: ConsoleContext, token: str) -> None:
    """Give the browser its session cookie (HttpOnly, SameSite=Lax, Secure in production)."""
    _cookie(response, ctx.settings, cookie_name(ctx.settings), token, int(ctx.settings.session_max_hours * 3600))


def home_of(agent_id: str | None, role: str) -> str:
    """Where a user starts: the desk if they take calls, else the wallboard."""
    return "/desk" if agent_id else "/wallboard"


@router.get("/signin")
async def signin_page(
    request: Request, ctx: ContextDep, page: AnyPage, next: Annotated[str | None, Query()] = None
) -> Response:
    """The sign-in page: the development list of staff, and/or the organisation's sign-in."""
    target = local_path(next, "")
    staff: list[dict[str, Any]] = []
    staff_down = False
    if ctx.settings.dev_signin_enabled:
        token = ctx.tokens.minted(ctx.settings.dev_tenant, ("agents:read",), "console:signin")
        try:
            staff = [a for a in await ctx.services.agents.get("/v1/agents", token) if a.get("active", True)]
        except (ServiceDown, ServiceRefused):
            staff_down = True
    form_token = secrets.token_urlsafe(24)
    response = render(
        ctx,
        page,
        "signin.html",
        staff=sorted(staff, key=lambda a: str(a["name"])),
        staff_down=staff_down,
        roles=ROLES,
        next_path=target,
        signin_token=form_token,
        dev=ctx.settings.dev_signin_enabled,
        oidc=ctx.oidc is not None,
        error=request.query_params.get("error"),
    )
    _cookie(response, ctx.settings, SIGNIN_COOKIE, form_token, 3600)
    return response


@router.post("/signin/dev")
async def dev_signin(
    request: Request,
    ctx: ContextDep,
    agent_id: Annotated[str, Form(max_length=64)],
    signin_token: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)] = "agent",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Sign in as one of the demo tenant's staff (development only)."""
    if not ctx.settings.dev_signin_enabled:
        return Response(status_code=404)
    expected = request.cookies.get(SIGNIN_COOKIE, "")
    if not expected or not same(expected, signin_token) or not origin_is_ours(request, ctx.settings):
        raise CsrfRejected(None)
    chosen = parse_role(role)
    if chosen is None:
        return RedirectResponse("/signin?" + urlencode({"error": "role", "next": next}), status_code=303)
    try:
        agent_uuid = uuid.UUID(agent_id)  # only an id goes into the agents service's path
    except ValueError:
        return RedirectResponse("/signin?" + urlencode({"error": "unknown", "next": next}), status_code=303)
    tenant = ctx.settings.dev_tenant
    token = ctx.tokens.minted(tenant, ("agents:read",), "console:signin")
    try:
        agent = await ctx.services.agents.get(f"/v1/agents/{agent_uuid}", token)
    except ServiceRefused:
        return RedirectResponse("/signin?" + urlencode({"error": "unknown", "next": next}), status_code=303)
    session_token, user = await ctx.sessions.create(
        Identity(
            tenant_id=tenant,
            subject=f"dev:{agent['id']}",
            name=str(agent["name"]),
            role=chosen,
            agent_id=str(agent["id"]),
            method="dev",
        )
    )
    response = RedirectResponse(local_path(next, home_of(user.agent_id, user.role)), status_code=303)
    start_session(response, ctx, session_token)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


def _redirect_uri(request: Request, settings: Settings) -> str:
    base = settings.public_url.rstrip("/") if settings.public_url else str(request.base_url).rstrip("/")
    return f"{base}/signin/oidc/callback"


@router.get("/signin/oidc")
async def oidc_start(request: Request, ctx: ContextDep, next: Annotated[str | None, Query()] = None) -> Response:
    """Send the browser to the identity provider (authorization code, PKCE S256)."""
    if ctx.oidc is None:
        return Response(status_code=404)
    made = await ctx.oidc.authorize(_redirect_uri(request, ctx.settings))
    binding = secrets.token_urlsafe(24)
    await ctx.sessions.begin_login(made.state, made.nonce, made.code_verifier, local_path(next, ""), binding)
    response = RedirectResponse(made.url, status_code=303)
    _cookie(response, ctx.settings, LOGIN_COOKIE, binding, 600)
    return response


@router.get("/signin/oidc/callback")
async def oidc_callback(
    request: Request,
    ctx: ContextDep,
    state: Annotated[str, Query(max_length=500)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The provider sent the browser back: exchange the code, verify the ID token, start a session."""
    if ctx.oidc is None:
        return Response(status_code=404)
    attempt = await ctx.sessions.finish_login(state, request.cookies.get(LOGIN_COOKIE, "")) if state else None
    if attempt is None or error or not code:
        log.info("sign-in refused", reason="unknown state" if attempt is None else (error or "no code"))
        return RedirectResponse("/signin?error=oidc", status_code=303)
    try:
        who = await ctx.oidc.complete(_redirect_uri(request, ctx.settings), code, attempt.code_verifier, attempt.nonce)
    except SignInRefused as exc:
        log.info("sign-in refused", reason=exc.reason)
        return RedirectResponse("/signin?error=refused", status_code=303)
    except Exception as exc:  # the provider's answer did not verify (token, signature, nonce ...)
        log.warning("sign-in failed", error=type(exc).__name__)
        return RedirectResponse("/signin?error=oidc", status_code=303)
    session_token, user = await ctx.sessions.create(who)
    response = RedirectResponse(local_path(attempt.return_to, home_of(user.agent_id, user.role)), status_code=303)
    start_session(response, ctx, session_token)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/signout")
async def signout(request: Request, ctx: ContextDep, user: PostingUser) -> Response:
    """End the session."""
    await ctx.sessions.end(request.cookies.get(cookie_name(ctx.settings), ""))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(cookie_name(ctx.settings), path="/", secure=ctx.settings.secure_cookies, httponly=True)
    return response


@router.get("/session")
async def session_probe(request: Request, ctx: ContextDep) -> Response:
    """204 while the browser's session is live, else 401 (the pages' script asks after a stream fails)."""
    user = await session_user(request, ctx)
    return Response(status_code=204 if user else 401, headers={"Cache-Control": "no-store"})


@router.get("/")
async def home(request: Request, ctx: ContextDep) -> Response:
    """The user's start page, or sign-in."""
    user = await session_user(request, ctx)
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(home_of(user.agent_id, user.role), status_code=303)
