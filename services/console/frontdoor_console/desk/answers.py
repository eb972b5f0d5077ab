"""How the desk's actions answer: a fault becomes a fragment in words, where the answer goes."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.desk.calls import CallMovedOn
from frontdoor_console.web.page import Page, render

RESOLUTIONS = ("resolved", "callback_agreed", "awaiting_confirmation", "unresolved")


def problem(
    ctx: ConsoleContext,
    page: Page,
    *,
    status: int,
    down: str | None = None,
    moved: CallMovedOn | None = None,
    refused: ServiceRefused | None = None,
    clear_offer: bool = False,
) -> HTMLResponse:
    """A fault, in words, where the action's answer goes."""
    return render(
        ctx, page, "desk/_problem.html", status=status, down=down, moved=moved, refused=refused, clear_offer=clear_offer
    )


async def guarded(ctx: ConsoleContext, page: Page, action: Any, *, clear_offer: bool = False) -> HTMLResponse:
    """Run an action; a service down, a call moved on or a refusal becomes its problem fragment."""
    try:
        answer: HTMLResponse = await action()
        return answer
    except CallMovedOn as exc:
        return problem(ctx, page, status=409, moved=exc, clear_offer=clear_offer)
    except ServiceDown as exc:
        return problem(ctx, page, status=503, down=exc.service, clear_offer=clear_offer)
    except ServiceRefused as exc:
        status = 409 if exc.conflict else 422 if exc.status in (400, 422) else exc.status
        return problem(ctx, page, status=status, refused=exc, clear_offer=clear_offer)
