"""Workload: loading presence history and handled calls, then the pure figures."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from frontdoor_agents.agents import repository as agents_repo
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.hours.service import tz_of
from frontdoor_agents.models import CallRecord, PresenceLog
from frontdoor_agents.workload.compute import Figures, HandledCall, Span, agent_figures, team_figures
from frontdoor_agents.workload.schemas import AgentWorkloadView, FiguresView, TeamWorkloadView, WorkloadView

Period = Literal["day", "week"]
WORKING_DAYS: dict[Period, int] = {"day": 1, "week": 5}


async def workload(session: AsyncSession, tenant: str, period: Period, day: date | None, now: datetime) -> WorkloadView:
    """Figures per agent and team for the day (or the Monday-to-Sunday week) containing `day`
    (default: today in the tenant's time zone)."""
    tz = tz_of(await get_config(session, tenant))
    day = day or now.astimezone(tz).date()
    first = day if period == "day" else day - timedelta(days=day.weekday())
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(first + timedelta(days=1 if period == "day" else 7), time(0), tzinfo=tz)
    agents = await agents_repo.list_agents(session, tenant)
    teams = {t.id: t for t in await agents_repo.list_teams(session, tenant)}
    spans: dict[uuid.UUID, list[Span]] = defaultdict(list)
    logs = await session.scalars(
        select(PresenceLog).where(
            PresenceLog.tenant_id == tenant,
            col(PresenceLog.started_at) < end,
            or_(col(PresenceLog.ended_at).is_(None), col(PresenceLog.ended_at) > start),
        )
    )
    for row in logs:
        spans[row.agent_id].append(Span(row.presence, row.reason, row.started_at, row.ended_at))
    calls: dict[uuid.UUID, list[HandledCall]] = defaultdict(list)
    records = await session.scalars(
        select(CallRecord).where(
            CallRecord.tenant_id == tenant,
            col(CallRecord.completed_at) >= start,
            col(CallRecord.completed_at) < end,
        )
    )
    for r in records:
        calls[r.agent_id].append(HandledCall(r.talk_seconds, r.wrapup_seconds))
    per_agent: list[AgentWorkloadView] = []
    by_team: dict[uuid.UUID | None, list[Figures]] = defaultdict(list)
    for a in agents:
        if not a.active and not spans.get(a.id) and not calls.get(a.id):
            continue
        team = teams.get(a.team_id) if a.team_id else None
        target = (team.target_calls_per_day * WORKING_DAYS[period]) if team else 0
        f = agent_figures(spans[a.id], calls[a.id], start, end, now, target)
        by_team[a.team_id].append(f)
        per_agent.append(
            AgentWorkloadView(agent_id=a.id, name=a.name, team_id=a.team_id, **FiguresView.of(f).model_dump())
        )
    team_rows = []
    for team_id, members in by_team.items():
        team = teams.get(team_id) if team_id else None
        f = team_figures(members)
        team_rows.append(
            TeamWorkloadView(
                team_id=team.id if team else None,
                name=team.name if team else None,
                target_calls_per_day=team.target_calls_per_day if team else None,
                **FiguresView.of(f).model_dump(),
            )
        )
    team_rows.sort(key=lambda t: t.name or "")
    return WorkloadView(period=period, date=day, start=start, end=end, agents=per_agent, teams=team_rows)
