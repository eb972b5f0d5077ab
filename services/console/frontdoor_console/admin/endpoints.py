"""The administration pages (administrators): queues, staff and memberships, opening hours, reasons,
departments.

`/admin` sums each part up from the service that owns it (a service down spoils only its line);
the parts' own pages are in `queues`, `staff`, `hours`, `reasons` and `departments`. Every route here answers
a user who is not an administrator with the administration's 403 page (`AdminRoute`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from frontdoor_console.admin import departments, hours, playbooks, queues, reasons, staff
from frontdoor_console.admin.access import Administrator, AdminRoute
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ContextDep
from frontdoor_console.web.page import UserPage, render

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False, route_class=AdminRoute)


async def _count(call: Any) -> int | str:
    """How many the service lists, or the service's name when it does not answer."""
    try:
        found = await call
    except ServiceDown as exc:
        return exc.service
    except ServiceRefused:
        return 0
    if isinstance(found, dict):
        return len(found.get("reasons") or [])
    return len(found)


@router.get("")
async def overview(ctx: ContextDep, page: UserPage, user: Administrator) -> HTMLResponse:
    """What there is to administer, and how much of it."""
    token = ctx.tokens.for_user(user)
    counts = await asyncio.gather(
        _count(ctx.services.routing.get("/v1/queues", token)),
        _count(ctx.services.agents.get("/v1/agents", token, params={"limit": 500})),
        _count(ctx.services.agents.get("/v1/closures", token, params={"limit": 500})),
        _count(ctx.services.members.get("/v1/tenant/settings", token)),
        _count(ctx.services.members.get("/v1/departments", token, params={"limit": 500})),
    )
    parts = dict(zip(("queues", "staff", "closures", "reasons", "departments"), counts, strict=True))
    return render(ctx, page, "admin/index.html", parts=parts)


router.include_router(queues.router)
router.include_router(staff.router)
router.include_router(hours.router)
router.include_router(reasons.router)
router.include_router(playbooks.router)
router.include_router(departments.router)
