"""How the console answers what went wrong: pages (and htmx fragments) in the user's language.

- No session: a page goes to /signin?next=<the page> (303); an htmx request gets 401 with
  `HX-Redirect` (htmx then loads the sign-in page, which brings the user back); an event
  stream gets a bare 401 (the page's script asks /session and goes to sign in).
- A role the user lacks: the 403 page. A missing or forged CSRF token: 403.
- A service that does not answer, on a whole page: 503 naming it (parts of pages say so in place).
- Unknown paths: a 404 page for browsers, problem+json for everything else.
"""

from __future__ import annotations

import inspect
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdoor_common.service import parts_dependency
from frontdoor_console.auth.deps import CsrfRejected, Refused, SignInRequired, session_user
from frontdoor_console.auth.tokens import NoServiceToken
from frontdoor_console.clients.http import ServiceDown
from frontdoor_console.context import ConsoleContext
from frontdoor_console.web.page import is_htmx, page_for, render, render_page_or_part

_context = parts_dependency(ConsoleContext)


def signin_url(next_path: str) -> str:
    """The sign-in page, coming back to `next_path`."""
    return "/signin" if next_path in ("", "/") else f"/signin?next={quote(next_path, safe='/')}"


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or request.headers.get("hx-request") == "true"


def install_page_errors(app: FastAPI) -> None:
    """Register the console's handlers (after the library's problem+json ones, kept for non-pages)."""
    problem = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(SignInRequired)
    async def _signin(request: Request, exc: SignInRequired) -> Response:
        target = signin_url(exc.next_path)
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        if request.method != "GET" or "text/event-stream" in request.headers.get("accept", ""):
            return Response(status_code=401, headers={"Cache-Control": "no-store"})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        ctx = await _context(request)
        page = await page_for(request, ctx, exc.user)
        return render(ctx, page, "errors/403.html", status=403, needs=exc.reason)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        ctx = await _context(request)
        page = await page_for(request, ctx, exc.user)
        return render_page_or_part(ctx, page, request, "errors/csrf.html", "errors/_csrf.html", status=403)

    @app.exception_handler(ServiceDown)
    async def _down(request: Request, exc: ServiceDown) -> Response:
        ctx = await _context(request)
        page = await page_for(request, ctx, await session_user(request, ctx))
        return render_page_or_part(
            ctx, page, request, "errors/down.html", "errors/_down.html", status=503, service=exc.service
        )

    @app.exception_handler(NoServiceToken)
    async def _no_token(request: Request, exc: NoServiceToken) -> Response:
        ctx = await _context(request)
        page = await page_for(request, ctx, None)
        return render(ctx, page, "errors/down.html", status=503, service="console")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and request.method == "GET" and _wants_html(request):
            ctx = await _context(request)
            page = await page_for(request, ctx, await session_user(request, ctx))
            return render(ctx, page, "errors/404.html", status=404)
        answer = problem(request, exc)
        return await answer if inspect.isawaitable(answer) else answer
