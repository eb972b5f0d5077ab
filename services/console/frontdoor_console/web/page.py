"""What every page is rendered with: the user, their language, their tenant's zone, the CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import CurrentUser, session_user
from frontdoor_console.auth.user import User
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.i18n.catalogues import COUNTRY_LOCALES, NATIVE_NAMES, parse_locale
from frontdoor_console.i18n.formatting import Formatter
from frontdoor_console.settings import Locale
from frontdoor_console.tenants.directory import DEFAULT_TIMEZONE, TenantInfo

LANGUAGE_COOKIE = "fd_lang"
VARY = "HX-Request, HX-History-Restore-Request"  # what chooses between a page and its part


@dataclass(frozen=True)
class Page:
    """One request's rendering context."""

    user: User | None
    locale: Locale
    fmt: Formatter
    tenant: TenantInfo | None
    path: str

    def context(self) -> dict[str, Any]:
        """The names every template may use."""
        return {
            "user": self.user,
            "locale": self.locale,
            "fmt": self.fmt,
            "tenant": self.tenant,
            "path": self.path,
            "csrf_token": self.user.csrf_token if self.user else "",
            "languages": NATIVE_NAMES,
        }


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


async def locale_for(ctx: ConsoleContext, user: User, tenant: TenantInfo) -> Locale:
    """The user's choice, else the tenant's default (configured, else its country's), else English."""
    chosen = parse_locale(await ctx.sessions.locale_of(user.tenant_id, user.subject))
    if chosen:
        return chosen
    configured = ctx.settings.tenant_locales.get(user.tenant_id)
    if configured:
        return configured
    return COUNTRY_LOCALES.get(tenant.country, ctx.settings.default_locale)


def anonymous_locale(request: Request, ctx: ConsoleContext) -> Locale:
    """Before sign-in: the language chosen last on this browser, else the browser's own."""
    chosen = parse_locale(request.query_params.get("lang")) or parse_locale(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        found = parse_locale(part.split(";")[0])
        if found:
            return found
    return ctx.settings.default_locale


def path_of(request: Request) -> str:
    """The request's path and query."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def page_for(request: Request, ctx: ConsoleContext, user: User | None) -> Page:
    """The rendering context of a request (signed in or not)."""
    if user is None:
        locale = anonymous_locale(request, ctx)
        return Page(None, locale, Formatter(locale, _zone(DEFAULT_TIMEZONE)), None, path_of(request))
    tenant = await ctx.tenants.get(user)
    locale = await locale_for(ctx, user, tenant)
    return Page(user, locale, Formatter(locale, _zone(tenant.timezone)), tenant, path_of(request))


async def user_page(request: Request, ctx: ContextDep, user: CurrentUser) -> Page:
    """A signed-in user's page."""
    return await page_for(request, ctx, user)


async def any_page(request: Request, ctx: ContextDep) -> Page:
    """A page anyone may see (signed in or not)."""
    return await page_for(request, ctx, await session_user(request, ctx))


UserPage = Annotated[Page, Depends(user_page)]
AnyPage = Annotated[Page, Depends(any_page)]


def render(
    ctx: ConsoleContext,
    page: Page,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The template rendered for this page."""
    html = ctx.templates.render(template, page.locale, **page.context(), **extra)
    response = HTMLResponse(html, status_code=status, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def is_htmx(request: Request) -> bool:
    """Whether htmx asked for a part of the page. A history restore (htmx reloading a page it
    no longer holds, which sends `HX-Request` too) asks for the whole page."""
    headers = request.headers
    return headers.get("hx-request") == "true" and headers.get("hx-history-restore-request") != "true"


def render_page_or_part(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    whole: str,
    part: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The whole page's template rendered, or for htmx the part's. One address answers both, so
    the answer varies with the headers that choose (should it ever be kept by a cache)."""
    response = render(ctx, page, part if is_htmx(request) else whole, status=status, headers=headers, **extra)
    response.headers.add_vary_header(VARY)
    return response


def fragment(ctx: ConsoleContext, page: Page, template: str, **extra: Any) -> str:
    """A template rendered as a piece of HTML (an htmx swap, a server-sent event)."""
    return ctx.templates.render(template, page.locale, **page.context(), **extra)
