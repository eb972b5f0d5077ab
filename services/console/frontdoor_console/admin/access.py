"""Who may use the administration pages (administrators), and how a refusal is shown.

`Administrator` / `PostingAdministrator`: the signed-in user (with the session's CSRF token on
a POST) whose role is administrator. Anyone else gets the administration's own 403 page: the
console's shared 403 page knows only the desk's, the wallboard's and the team's refusals, so
`AdminRoute` answers this one itself, in the user's language. It also says in words what a
service refused where no page expected a refusal (never a 500 page).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from frontdoor_common.service import parts_dependency
from frontdoor_console.auth.deps import CurrentUser, PostingUser, Refused, session_user
from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.web.page import page_for, render, render_page_or_part

NEEDS = "administrator"
_context = parts_dependency(ConsoleContext)


async def administrator(user: CurrentUser) -> User:
    """An administrator."""
    if not user.can("administrator"):
        raise Refused(user, NEEDS)
    return user


async def posting_administrator(user: PostingUser) -> User:
    """An administrator, on a state-changing request that carries the session's CSRF token."""
    if not user.can("administrator"):
        raise Refused(user, NEEDS)
    return user


Administrator = Annotated[User, Depends(administrator)]
PostingAdministrator = Annotated[User, Depends(posting_administrator)]


class AdminRoute(APIRoute):
    """A route of the administration: a user who is not an administrator gets its 403 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Refused as exc:
                if exc.reason != NEEDS:
                    raise
                ctx = await _context(request)
                page = await page_for(request, ctx, exc.user)
                return render(ctx, page, "admin/403.html", status=403)
            except ServiceRefused as exc:  # a refusal no page expected (a scope the token lacks ...)
                ctx = await _context(request)
                page = await page_for(request, ctx, await session_user(request, ctx))
                return render_page_or_part(
                    ctx, page, request, "admin/refused.html", "admin/_refused.html", status=exc.status, refused=exc
                )

        return guarded
