"""Workload as the API shows it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel

from frontdoor_agents.types import UTCTime
from frontdoor_agents.workload.compute import Figures


class FiguresView(BaseModel):
    """Workload figures over the period (seconds)."""

    logged_in_seconds: float
    available_seconds: float
    talk_seconds: float
    wrapup_seconds: float
    away_seconds: dict[str, float]
    calls_handled: int
    occupancy: float | None
    target_calls: float
    share_of_target: float | None

    @classmethod
    def of(cls, f: Figures) -> FiguresView:
        """From the computed figures."""
        return cls(
            logged_in_seconds=round(f.logged_in_seconds, 1),
            available_seconds=round(f.available_seconds, 1),
            talk_seconds=round(f.talk_seconds, 1),
            wrapup_seconds=round(f.wrapup_seconds, 1),
            away_seconds={k: round(v, 1) for k, v in sorted(f.away_seconds.items())},
            calls_handled=f.calls_handled,
            occupancy=f.occupancy,
            target_calls=f.target_calls,
            share_of_target=f.share_of_target,
        )


class AgentWorkloadView(FiguresView):
    """One agent's workload."""

    agent_id: uuid.UUID
    name: str
    team_id: uuid.UUID | None


class TeamWorkloadView(FiguresView):
    """A team's workload (sums over its agents)."""

    team_id: uuid.UUID | None
    name: str | None
    target_calls_per_day: int | None


class WorkloadView(BaseModel):
    """Workload per agent and team for a day or week in the tenant's time zone."""

    period: Literal["day", "week"]
    date: dt.date
    start: UTCTime
    end: UTCTime
    agents: list[AgentWorkloadView]
    teams: list[TeamWorkloadView]
