"""What the team lead's page shows, each part from its own service (one down spoils only its part).

- Workload today (agents' `GET /v1/workload`): each agent's calls against their share of the
  team's target, so 60 % and 130 % stand out (outside `WORKLOAD_BAND`).
- Satisfaction (surveys' `GET /v1/satisfaction`): the index against its target (85) by month,
  and by queue, team and agent over the last twelve months.
- Satisfaction by month (the chart's table equivalent): the index, the target, the surveys.
- KPIs (routing's `GET /v1/kpis`): by day over the last week and by half hour today, in the
  tenant's time zone. Routing groups by hour at the finest; each hour that had calls is asked
  again as its two half hours (`from`/`to`, `group_by=none`), so quiet hours cost nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext

WORKLOAD_BAND = (0.7, 1.2)
HALF_HOUR = timedelta(minutes=30)
HALF_HOUR_CONCURRENCY = 8  # half hours asked of routing at once


@dataclass
class TeamView:
    """The page's data; `down` names the services that did not answer."""

    workload: dict[str, Any] | None = None
    satisfaction: dict[str, Any] | None = None
    satisfaction_by: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    kpis_by_day: dict[str, Any] | None = None
    kpis_by_hour: dict[str, Any] | None = None
    kpis_by_half_hour: list[dict[str, Any]] | None = None
    names: dict[str, str] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)

    @staticmethod
    def stands_out(share: float | None) -> bool:
        """A share of target outside the band (60 % and 130 % do)."""
        low, high = WORKLOAD_BAND
        return share is not None and not low <= share <= high


async def load(ctx: ConsoleContext, user: User, zone: ZoneInfo) -> TeamView:
    """Every part of the page, concurrently."""
    token = ctx.tokens.for_user(user)
    services = ctx.services
    today = ctx.clock.now().astimezone(zone).date()
    week_start = datetime.combine(today - timedelta(days=6), time(0), zone)

    async def part(service: str, call: Any) -> Any:
        try:
            return await call
        except ServiceDown:
            view.down.add(service)
        except ServiceRefused:
            return None
        return None

    view = TeamView()
    (
        view.workload,
        view.satisfaction,
        by_queue,
        by_team,
        by_agent,
        view.kpis_by_day,
        view.kpis_by_hour,
        queues,
    ) = await asyncio.gather(
        part("agents", services.agents.get("/v1/workload", token, params={"period": "day"})),
        part("surveys", services.surveys.get("/v1/satisfaction", token, params={"period": "month"})),
        part("surveys", services.surveys.get("/v1/satisfaction", token, params={"group_by": "queue"})),
        part("surveys", services.surveys.get("/v1/satisfaction", token, params={"group_by": "team"})),
        part("surveys", services.surveys.get("/v1/satisfaction", token, params={"group_by": "agent"})),
        part(
            "routing",
            services.routing.get("/v1/kpis", token, params={"group_by": "day", "from": week_start.isoformat()}),
        ),
        part("routing", services.routing.get("/v1/kpis", token, params={"group_by": "hour"})),
        part("routing", services.routing.get("/v1/queues", token)),
    )
    view.satisfaction_by = {"queue": by_queue, "team": by_team, "agent": by_agent}
    if view.kpis_by_hour is not None:
        view.kpis_by_half_hour = await part("routing", half_hours(ctx, token, view.kpis_by_hour))
    for q in queues or []:
        view.names[str(q["id"])] = str(q["name"])
    for kind in ("agents", "teams"):
        for row in (view.workload or {}).get(kind, []):
            key = row.get("agent_id") or row.get("team_id")
            if key and row.get("name"):
                view.names[str(key)] = str(row["name"])
    return view


async def half_hours(ctx: ConsoleContext, token: str, by_hour: dict[str, Any]) -> list[dict[str, Any]]:
    """Today's KPIs by half hour: each hour of routing's hourly report that had calls, as its two
    half hours (a half hour without calls shows as such, with its zeros)."""
    starts: list[datetime] = []
    for row in by_hour.get("rows", []):
        if row.get("period_start") and row.get("offered"):
            hour = datetime.fromisoformat(str(row["period_start"]))
            starts += [hour, hour + HALF_HOUR]
    gate = asyncio.Semaphore(HALF_HOUR_CONCURRENCY)

    async def one(start: datetime) -> dict[str, Any]:
        params = {"group_by": "none", "from": start.isoformat(), "to": (start + HALF_HOUR).isoformat()}
        async with gate:
            report = await ctx.services.routing.get("/v1/kpis", token, params=params)
        return {"period_start": start.isoformat(), **report["total"]}

    return list(await asyncio.gather(*(one(start) for start in sorted(set(starts)))))


def charts(view: TeamView, fmt: Any, gettext: Any) -> dict[str, dict[str, Any]]:
    """Chart.js data for the page's three charts (the tables beside them say the same in words)."""
    found: dict[str, dict[str, Any]] = {}
    agents = (view.workload or {}).get("agents", [])
    if agents:
        shares = [round(100 * (a.get("share_of_target") or 0), 1) for a in agents]
        found["workload"] = {
            "type": "bar",
            "horizontal": True,
            "suggestedMax": 150,  # percent of target: 100 is on target
            "labels": [a["name"] for a in agents],
            "datasets": [
                {
                    "label": gettext("Share of target (%)"),
                    "data": shares,
                    "backgroundColor": [
                        "#a50e0e" if view.stands_out(a.get("share_of_target")) else "#0b57d0" for a in agents
                    ],
                }
            ],
        }
    months = (view.satisfaction or {}).get("rows", [])
    if months:
        found["satisfaction"] = {
            "type": "line",
            "labels": [fmt.month(m["period_start"]) for m in months],
            "datasets": [
                {
                    "label": gettext("Satisfaction index"),
                    "data": [m.get("index") for m in months],
                    "borderColor": "#0b57d0",
                    "backgroundColor": "#0b57d0",
                },
                {
                    "label": gettext("Target"),
                    "data": [m.get("target") for m in months],
                    "borderColor": "#a50e0e",
                    "backgroundColor": "#a50e0e",
                    "borderDash": [6, 4],
                    "pointRadius": 0,
                },
            ],
        }
    half_hours = view.kpis_by_half_hour or []
    if half_hours:
        found["half_hours"] = _offered_answered([fmt.time(h["period_start"]) for h in half_hours], half_hours, gettext)
    days = (view.kpis_by_day or {}).get("rows", [])
    if days:
        found["days"] = _offered_answered([fmt.date(d["period_start"]) for d in days], days, gettext)
    return found


def _offered_answered(labels: list[str], rows: list[dict[str, Any]], gettext: Any) -> dict[str, Any]:
    """A bar chart of calls offered and answered per period."""
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [
            {"label": gettext("Offered"), "data": [r.get("offered", 0) for r in rows], "backgroundColor": "#9cc3ff"},
            {"label": gettext("Answered"), "data": [r.get("answered", 0) for r in rows], "backgroundColor": "#0b57d0"},
        ],
    }
