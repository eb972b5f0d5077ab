"""Workload: loading presence history and handled calls, then the pure figures."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.agents import repository as agents_repo
from frontdoor_agents.hours.repository import get_config
from frontdoor_agents.hours.service import tz_of
from frontdoor_agents.models import CallRecord, PresenceLog
from frontdoor_agents.workload.compute import Figures, HandledCall, Span, agent_figures, team_figures
from frontdoor_agents.workload.schemas import AgentWorkload, FiguresOut, TeamWorkload, WorkloadOut

WORKING_DAYS = {"day": 1, "week": 5}


async def workload(session: AsyncSession, tenant: str, period: str, day: date, now: datetime) -> WorkloadOut:
    """Figures per agent and team for the day (or the Monday-to-Sunday week) containing `day`."""
    tz = tz_of(await get_config(session, tenant))
    first = day if period == "day" else day - timedelta(days=day.weekday())
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(first + timedelta(days=1 if period == "day" else 7), time(0), tzinfo=tz)
    agents = await agents_repo.list_agents(session, tenant)
    teams = {t.id: t for t in await agents_repo.list_teams(session, tenant)}
    spans: dict[object, list[Span]] = defaultdict(list)
    logs = await session.scalars(
        select(PresenceLog).where(
            PresenceLog.tenant_id == tenant,
            PresenceLog.started_at < end,
            (PresenceLog.ended_at.is_(None)) | (PresenceLog.ended_at > start),  # type: ignore[union-attr,operator]
        )
    )
    for row in logs:
        spans[row.agent_id].append(Span(row.presence, row.reason, row.started_at, row.ended_at))
    calls: dict[object, list[HandledCall]] = defaultdict(list)
    records = await session.scalars(
        select(CallRecord).where(
            CallRecord.tenant_id == tenant,
            CallRecord.completed_at >= start,  # type: ignore[operator]
            CallRecord.completed_at < end,  # type: ignore[operator]
        )
    )
    for r in records:
        calls[r.agent_id].append(HandledCall(r.talk_seconds, r.wrapup_seconds))
    per_agent: list[AgentWorkload] = []
    by_team: dict[object, list[Figures]] = defaultdict(list)
    for a in agents:
        if not a.active and not spans.get(a.id) and not calls.get(a.id):
            continue
        team = teams.get(a.team_id) if a.team_id else None
        target = (team.target_calls_per_day * WORKING_DAYS[period]) if team else 0
        f = agent_figures(spans[a.id], calls[a.id], start, end, now, target)
        by_team[a.team_id].append(f)
        per_agent.append(AgentWorkload(agent_id=a.id, name=a.name, team_id=a.team_id, **FiguresOut.of(f).model_dump()))
    team_rows = []
    for team_id, members in by_team.items():
        team = teams.get(team_id) if team_id else None  # type: ignore[arg-type]
        f = team_figures(members)
        team_rows.append(
            TeamWorkload(
                team_id=team.id if team else None,
                name=team.name if team else None,
                target_calls_per_day=team.target_calls_per_day if team else None,
                **FiguresOut.of(f).model_dump(),
            )
        )
    team_rows.sort(key=lambda t: t.name or "")
    return WorkloadOut(period=period, date=day, start=start, end=end, agents=per_agent, teams=team_rows)  # type: ignore[arg-type]
