"""Choosing a language: it outlives the session, and the sign-in page remembers it too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from frontdoor_console.auth.deps import PostingUser, local_path
from frontdoor_console.context import ContextDep
from frontdoor_console.i18n.catalogues import parse_locale
from frontdoor_console.web.page import LANGUAGE_COOKIE

router = APIRouter(tags=["preferences"], include_in_schema=False)


@router.post("/preferences/language")
async def choose_language(
    ctx: ContextDep,
    user: PostingUser,
    locale: Annotated[str, Form(max_length=16)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Remember the user's language and go back to the page."""
    chosen = parse_locale(locale)
    if chosen is None:
        return Response(status_code=422)
    await ctx.sessions.set_locale(user.tenant_id, user.subject, chosen)
    response = RedirectResponse(local_path(next, "/"), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, path="/", samesite="lax", secure=ctx.settings.secure_cookies
    )
    return response
