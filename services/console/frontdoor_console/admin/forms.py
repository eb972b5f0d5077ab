"""What the administration's forms share: reading a form, what the user changed, how it went.

An edit form carries the values it was drawn with (`original`, JSON in a hidden field). On
submit the console reads the object again and compares three ways: the fields the user changed
(submitted against original) are the only ones sent (PATCH semantics); a changed field that
someone else changed too since the page was drawn is a conflict, said in words (409), and
nothing is sent. The services check the values themselves: a value they refuse comes back as
their 422 problem, shown beside the field it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.web.page import Page, is_htmx, render

_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


@dataclass
class Outcome:
    """How a form's submission went (what the form shows above and beside its fields)."""

    saved: bool = False
    unchanged: bool = False
    refused: ServiceRefused | None = None
    down: str | None = None
    stale: tuple[str, ...] = ()
    gone: bool = False
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """The HTTP status of the answer."""
        if self.down:
            return 503
        if self.gone:
            return 404
        if self.stale:
            return 409
        if self.refused is not None:
            return 409 if self.refused.conflict else 422 if self.refused.status in (400, 422) else self.refused.status
        return 200

    def error(self, name: str) -> str | None:
        """The message for the field `name`, or for one inside it (`overflow.0` has `overflow.0.after_seconds`)."""
        if name in self.notes:
            return self.notes[name]
        found = self.refused.field if self.refused is not None else None
        if found and (found == name or found.startswith(name + ".")):
            return self.refused.detail if self.refused is not None else None
        return None

    @property
    def failed(self) -> bool:
        """Nothing was saved because of a fault."""
        return self.status >= 400


async def attempt(action: Callable[[], Awaitable[Any]]) -> tuple[Any, Outcome]:
    """Run a service call: its answer and a saved outcome, or no answer and the fault's outcome."""
    try:
        return await action(), Outcome(saved=True)
    except ServiceDown as exc:
        return None, Outcome(down=exc.service)
    except ServiceRefused as exc:
        if exc.status == 404:
            return None, Outcome(gone=True, refused=exc)
        return None, Outcome(refused=exc)


def text(form: FormData, name: str) -> str:
    """A text field, trimmed ('' when absent)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def optional_text(form: FormData, name: str) -> str | None:
    """A text field whose empty value means "none"."""
    return text(form, name) or None


def number(form: FormData, name: str) -> int | str | None:
    """A whole number (None when empty; anything else is passed on for the service to name)."""
    value = text(form, name)
    if not value:
        return None
    return int(value) if _INTEGER.match(value) else value


def flag(form: FormData, name: str) -> bool:
    """A checkbox: ticked or not."""
    return name in form


def choices(form: FormData, name: str) -> list[str]:
    """Every value of a multiple choice, in the form's order."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def original(form: FormData) -> dict[str, Any]:
    """The values the form was drawn with (its hidden `original`)."""
    try:
        found = json.loads(text(form, "original") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def drawn(values: dict[str, Any]) -> str:
    """The hidden `original` of a form drawn with `values`."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Changes:
    """What the user changed, and which of those someone else changed meanwhile."""

    changed: dict[str, Any]
    stale: tuple[str, ...]


def compare(submitted: dict[str, Any], before: dict[str, Any], now: dict[str, Any]) -> Changes:
    """Submitted values against the form's `before` and the object as it is `now`."""
    changed = {k: v for k, v in submitted.items() if k not in before or v != before[k]}
    stale = tuple(k for k, v in changed.items() if k in before and now.get(k) != before[k] and now.get(k) != v)
    return Changes(changed, stale)


def object_id(value: str) -> str:
    """An object's id from a URL: a UUID, else the 404 page (no service is asked about junk)."""
    try:
        return str(UUID(value))
    except ValueError:
        raise HTTPException(status_code=404) from None


async def found(call: Awaitable[Any]) -> Any:
    """A service's answer for an object of the page; its 404 (not this tenant's, or gone) is the 404 page."""
    try:
        return await call
    except ServiceRefused as exc:
        if exc.status in (404, 422):
            raise HTTPException(status_code=404) from None
        raise


def went_to(request: Request, url: str) -> Response:
    """After a creation, the new object's page: htmx follows `HX-Redirect`, a plain form the 303."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def gone(ctx: ConsoleContext, page: Page) -> HTMLResponse:
    """The answer to a change of something that is not there (another tenant's, or removed)."""
    return render(ctx, page, "admin/_gone.html", status=404)
