"""The desk's playbook panel: the reason the agent chooses shows its steps, the question to ask
first, and a one-step transfer to the reason's fixed number (members' `/v1/playbooks/{code}`).

The panel only reads: the transfer is the desk's own transfer action (`number=`). Members down
is said in the panel; the rest of the desk goes on.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import Agent
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ContextDep
from frontdoor_console.web.page import UserPage, render

router = APIRouter(prefix="/desk", tags=["desk"], include_in_schema=False)


@router.get("/calls/{call_id}/playbook")
async def playbook_panel(
    ctx: ContextDep, page: UserPage, user: Agent, call_id: str, reason: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    """The chosen reason's playbook (none chosen: nothing; a reason not in the tenant's list: 422)."""
    try:
        call = str(uuid.UUID(call_id))
    except ValueError:
        raise HTTPException(status_code=404) from None
    reasons = page.tenant.contact_reasons if page.tenant else ()
    if reason and reason not in reasons:
        return render(ctx, page, "desk/_problem.html", status=422, invalid=True)
    playbook: dict[str, Any] | None = None
    down = False
    if reason:
        try:
            playbook = await ctx.services.members.get(f"/v1/playbooks/{reason}", ctx.tokens.for_user(user))
        except ServiceDown:
            down = True
        except ServiceRefused as exc:
            if exc.status != 404:
                raise
    return render(ctx, page, "desk/_playbook.html", call_id=call, reason=reason, playbook=playbook, down=down)
