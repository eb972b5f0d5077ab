"""The planning page (supervisors and up): the Erlang C/A calculator and the day simulator.

Both forms post with htmx (the session's CSRF token in the header) and get their part of the
page back, the figures or each field's problem beside it; without script they post as plain
forms (the token in a hidden field) and get the whole page. Routing down: the part says so
(503), the page and the rest of the console work.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from frontdoor_console.auth.deps import CurrentUser, PostingUser, Refused
from frontdoor_console.auth.user import User
from frontdoor_console.context import ConsoleContext, ContextDep
from frontdoor_console.planning import plan
from frontdoor_console.planning.forms import DAY_DEFAULTS, ERLANG_DEFAULTS, typed
from frontdoor_console.web.page import Page, UserPage, render, render_page_or_part

router = APIRouter(prefix="/planning", tags=["planning"], include_in_schema=False)


async def planner(user: CurrentUser) -> User:
    """A supervisor, team lead or administrator."""
    if not user.can("supervisor"):
        raise Refused(user, "supervisor")
    return user


async def posting_planner(user: PostingUser) -> User:
    """A supervisor or above, on a form post carrying the session's CSRF token."""
    if not user.can("supervisor"):
        raise Refused(user, "supervisor")
    return user


Planner = Annotated[User, Depends(planner)]
PostingPlanner = Annotated[User, Depends(posting_planner)]


async def _submitted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _status(problems: bool, down: str | None) -> int:
    return 422 if problems else 503 if down else 200


def _answer(
    ctx: ConsoleContext,
    page: Page,
    request: Request,
    part: str,
    status: int,
    erlang: plan.ErlangResult | None = None,
    day: plan.DayResult | None = None,
) -> HTMLResponse:
    """The form's part of the page (htmx), or the whole page (a plain form post)."""
    erlang = erlang or plan.ErlangResult(typed(ERLANG_DEFAULTS, ERLANG_DEFAULTS))
    day = day or plan.DayResult(typed(DAY_DEFAULTS, DAY_DEFAULTS))
    return render_page_or_part(
        ctx,
        page,
        request,
        "planning/planning.html",
        f"planning/_{part}.html",
        status=status,
        erlang=erlang,
        day=day,
        charts=day_chart(ctx, page, day),
    )


@router.get("")
async def planning(request: Request, ctx: ContextDep, page: UserPage, user: Planner) -> HTMLResponse:
    """The calculator and the day form, filled with an example to change."""
    erlang = plan.ErlangResult(typed(ERLANG_DEFAULTS, ERLANG_DEFAULTS))
    day = plan.DayResult(typed(DAY_DEFAULTS, DAY_DEFAULTS))
    return render(ctx, page, "planning/planning.html", erlang=erlang, day=day, charts=None)


@router.post("/erlang")
async def erlang(request: Request, ctx: ContextDep, page: UserPage, user: PostingPlanner) -> HTMLResponse:
    """Erlang C (or A) for one half hour: the agents the goal needs and the figures at a staffing."""
    form = typed(await _submitted(request), ERLANG_DEFAULTS)
    found = await plan.erlang(ctx, user, form, page.fmt.babel)
    return _answer(ctx, page, request, "erlang", _status(not form.ok(), found.down), erlang=found)


@router.post("/day")
async def day(request: Request, ctx: ContextDep, page: UserPage, user: PostingPlanner) -> HTMLResponse:
    """The agents each half hour needs, as a chart and a table, and the simulator's KPIs."""
    form = typed(await _submitted(request), DAY_DEFAULTS)
    found = await plan.day(ctx, user, form, page.fmt.babel)
    return _answer(ctx, page, request, "day", _status(not form.ok(), found.down), day=found)


def day_chart(ctx: ConsoleContext, page: Page, day: plan.DayResult) -> dict[str, Any] | None:
    """Chart.js data for the agents needed per half hour (the table beside it says the same)."""
    if not day.rows:
        return None

    def gettext(message: str) -> str:
        return ctx.templates.gettext(page.locale, message)

    datasets: list[dict[str, Any]] = [
        {
            "type": "bar",
            "label": gettext("Agents needed"),
            "data": [row.required for row in day.rows],
            "backgroundColor": "#0b57d0",
            "order": 2,
        }
    ]
    if day.own_staffing:
        datasets.append(
            {
                "type": "line",
                "label": gettext("Agents simulated"),
                "data": [row.staffed for row in day.rows],
                "borderColor": "#a50e0e",
                "backgroundColor": "#a50e0e",
                "stepped": "middle",
                "order": 1,
            }
        )
    return {
        "type": "bar",
        "labels": [row.start for row in day.rows],
        "datasets": datasets,
        "yTitle": gettext("Agents"),
    }
