"""The team lead's page (team leads and administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import CurrentUser, Refused
from frontdoor_console.auth.user import User
from frontdoor_console.context import ContextDep
from frontdoor_console.team.view import TeamView, charts, load
from frontdoor_console.web.page import UserPage, render

router = APIRouter(prefix="/team", tags=["team"], include_in_schema=False)


async def team_lead(user: CurrentUser) -> User:
    """A team lead or an administrator."""
    if not user.can("team_lead"):
        raise Refused(user, "team_lead")
    return user


TeamLead = Annotated[User, Depends(team_lead)]


@router.get("")
async def team(ctx: ContextDep, page: UserPage, user: TeamLead) -> HTMLResponse:
    """Workload against target, satisfaction against 85, KPIs by day and by half hour, with charts."""
    view = await load(ctx, user, page.fmt.zone)
    made = charts(view, page.fmt, lambda message: ctx.templates.gettext(page.locale, message))
    return render(ctx, page, "team/team.html", view=view, charts=made, stands_out=TeamView.stands_out)
