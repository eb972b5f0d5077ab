"""Request dependencies: the signed-in user, CSRF on every state-changing request, roles.

- `CurrentUser`: the session's user, or `SignInRequired` (pages: 303 to /signin?next=...;
  htmx requests: 401 with `HX-Redirect`; event streams: 401).
- `PostingUser`: the same, for POSTs: the session's CSRF token must come back, in the
  `X-CSRF-Token` header (htmx sends it on every request, from `hx-headers` on the body) or
  the form's `csrf_token` field, and an `Origin` header, when sent, must be ours.
- `Supervisor`, `Agent`: a role at least supervisor; a user who takes calls (403 page else).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from frontdoor_console.auth.sessions import same
from frontdoor_console.auth.user import User
from frontdoor_console.context import ContextDep
from frontdoor_console.settings import Settings

CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def cookie_name(settings: Settings) -> str:
    """The session cookie's name (`__Host-` where cookies are Secure: no subdomain can set it)."""
    return "__Host-fd_session" if settings.secure_cookies else "fd_session"


class SignInRequired(Exception):
    """No live session: sign in, then come back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """A signed-in user may not do this (403 page)."""

    def __init__(self, user: User, reason: str) -> None:
        super().__init__(reason)
        self.user = user
        self.reason = reason


class CsrfRejected(Exception):
    """A state-changing request without this session's CSRF token (403)."""

    def __init__(self, user: User | None) -> None:
        super().__init__("csrf")
        self.user = user


def local_path(value: str | None, default: str = "/") -> str:
    """A path on this site to return to (never another site: no scheme, no host, no `//`)."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    if "\\" in value:
        return default
    return parts.path + (f"?{parts.query}" if parts.query else "")


def return_path(request: Request) -> str:
    """Where the user was: the page itself (for htmx requests, the page the request came from)."""
    current = request.headers.get("hx-current-url")
    if current:
        parts = urlsplit(current)
        return local_path(parts.path + (f"?{parts.query}" if parts.query else ""), "/")
    if request.method != "GET" or request.url.path.endswith("/events"):
        return "/"
    return local_path(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


async def session_user(request: Request, ctx: ContextDep) -> User | None:
    """The user of the request's session, if it is live."""
    return await ctx.sessions.find(request.cookies.get(cookie_name(ctx.settings)))


async def current_user(request: Request, ctx: ContextDep) -> User:
    """The signed-in user, or SignInRequired."""
    user = await session_user(request, ctx)
    if user is None:
        raise SignInRequired(return_path(request))
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def origin_is_ours(request: Request, settings: Settings) -> bool:
    """An Origin header, when the browser sends one, names this site."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = urlsplit(settings.public_url).netloc if settings.public_url else request.headers.get("host", "")
    return urlsplit(origin).netloc == ours


async def posting_user(request: Request, user: CurrentUser, ctx: ContextDep) -> User:
    """The signed-in user of a state-changing request that carries the session's CSRF token."""
    if not origin_is_ours(request, ctx.settings):
        raise CsrfRejected(user)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not same(sent, user.csrf_token):
        raise CsrfRejected(user)
    return user


PostingUser = Annotated[User, Depends(posting_user)]


async def supervisor(user: CurrentUser) -> User:
    """A supervisor, team lead or administrator."""
    if not user.can("supervisor"):
        raise Refused(user, "supervisor")
    return user


async def agent(user: CurrentUser) -> User:
    """A user who takes calls (mapped to an agent)."""
    if user.agent_id is None:
        raise Refused(user, "agent")
    return user


async def posting_agent(user: PostingUser) -> User:
    """A user who takes calls, on a state-changing request."""
    if user.agent_id is None:
        raise Refused(user, "agent")
    return user


Supervisor = Annotated[User, Depends(supervisor)]
Agent = Annotated[User, Depends(agent)]
PostingAgent = Annotated[User, Depends(posting_agent)]
