"""Staffing endpoints for planners: Erlang C, Erlang A, and the simulator on a small profile."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from frontdoor_common.auth import Principal, require
from frontdoor_common.errors import InvalidInput
from frontdoor_routing.planning.erlang import (
    MAX_AGENTS,
    erlang_a,
    erlang_a_required_agents,
    erlang_c,
    erlang_c_required_agents,
)
from frontdoor_routing.planning.schemas import ProfileIn
from frontdoor_routing.planning.simulator import simulate

router = APIRouter(prefix="/v1/staffing", tags=["planning"])

Reader = Annotated[Principal, require("routing:read")]

# A request must stay short: these bound the simulator's work (~100k calls/s on one core).
MAX_SIM_CALLS = 20_000  # expected calls x replications
MAX_SIM_INTERVALS = 96
MAX_SIM_AGENTS = 500
MAX_SIM_REPLICATIONS = 10
MAX_CALLS_PER_INTERVAL = 1_000_000.0
MAX_TRAFFIC_ERLANGS = 5_000.0  # a few thousand agents: the formulas stay in milliseconds


class ErlangCOut(BaseModel):
    """Erlang C for one staffing level, and the staffing a service-level goal needs."""

    agents: int | None
    traffic_erlangs: float
    arrival_rate_per_second: float
    service_level: float | None
    p_wait: float | None
    asa_seconds: float | None
    occupancy: float | None
    service_level_goal: float
    target_seconds: float
    required_agents: int


class ErlangAOut(ErlangCOut):
    """Erlang A (exponential patience) for one staffing level."""

    patience_seconds: float
    p_abandon: float | None
    service_level_incl_abandoned: float | None


class SimulateIn(BaseModel):
    """A small day profile to simulate (see the simulator's documentation)."""

    model_config = ConfigDict(extra="forbid")

    profile: ProfileIn
    seed: int = 1
    replications: int = Field(1, ge=1, le=MAX_SIM_REPLICATIONS)


class SimulateOut(BaseModel):
    """The simulator's KPIs per interval, for the day and per queue."""

    intervals: list[dict[str, Any]]
    day: dict[str, Any]
    queues: dict[str, dict[str, Any]]
    calls: int
    replications: int
    seed: int
    elapsed_seconds: float
    calls_per_second: float


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


def _load(calls_per_interval: float, interval_seconds: float, aht_seconds: float) -> float:
    if calls_per_interval > MAX_CALLS_PER_INTERVAL:
        raise InvalidInput("Too many calls per interval for the planner.", field="calls_per_interval")
    lam = calls_per_interval / interval_seconds
    if lam * aht_seconds > MAX_TRAFFIC_ERLANGS:
        raise InvalidInput("The offered traffic is too large for the planner.", field="calls_per_interval")
    return lam


Calls = Annotated[float, Query(ge=0, description="calls offered per interval")]
Interval = Annotated[float, Query(gt=0, le=86_400, description="interval length, seconds")]
Aht = Annotated[float, Query(gt=0, le=86_400, description="mean handle time (talk + wrap-up), seconds")]
Target = Annotated[float, Query(ge=0, le=86_400, description="service-level target, seconds")]
Agents = Annotated[int | None, Query(ge=0, le=MAX_AGENTS, description="staffing level to evaluate")]
Goal = Annotated[float, Query(gt=0, lt=1, description="service-level goal for required_agents, e.g. 0.8")]


@router.get("/erlang-c", response_model=ErlangCOut, summary="Erlang C: service level, P(wait), ASA, staffing")
async def erlang_c_endpoint(
    principal: Reader,
    calls_per_interval: Calls,
    aht_seconds: Aht,
    interval_seconds: Interval = 1800.0,
    target_seconds: Target = 20.0,
    agents: Agents = None,
    service_level: Goal = 0.8,
) -> ErlangCOut:
    """Erlang C figures for `agents` (if given) and the fewest agents meeting `service_level`."""
    lam = _load(calls_per_interval, interval_seconds, aht_seconds)
    required = erlang_c_required_agents(lam, aht_seconds, target_seconds, service_level)
    figures = erlang_c(lam, aht_seconds, agents, target_seconds) if agents is not None else None
    return ErlangCOut(
        agents=agents,
        traffic_erlangs=round(lam * aht_seconds, 6),
        arrival_rate_per_second=round(lam, 9),
        service_level=_finite(figures.service_level) if figures else None,
        p_wait=_finite(figures.p_wait) if figures else None,
        asa_seconds=_finite(figures.asa_seconds) if figures else None,
        occupancy=_finite(figures.occupancy) if figures else None,
        service_level_goal=service_level,
        target_seconds=target_seconds,
        required_agents=required,
    )


@router.get("/erlang-a", response_model=ErlangAOut, summary="Erlang A: with exponential patience (abandonment)")
async def erlang_a_endpoint(
    principal: Reader,
    calls_per_interval: Calls,
    aht_seconds: Aht,
    patience_seconds: Annotated[float, Query(gt=0, le=86_400, description="mean patience, seconds")],
    interval_seconds: Interval = 1800.0,
    target_seconds: Target = 20.0,
    agents: Agents = None,
    service_level: Goal = 0.8,
) -> ErlangAOut:
    """Erlang A figures for `agents` (if given) and the fewest agents meeting `service_level`.

    `required_agents` is for the goal on answered within target / (answered + abandoned
    after target), so heavy abandonment cannot make thin staffing look good.
    """
    lam = _load(calls_per_interval, interval_seconds, aht_seconds)
    required = erlang_a_required_agents(lam, aht_seconds, patience_seconds, target_seconds, service_level)
    figures = erlang_a(lam, aht_seconds, patience_seconds, agents, target_seconds) if agents is not None else None
    return ErlangAOut(
        agents=agents,
        traffic_erlangs=round(lam * aht_seconds, 6),
        arrival_rate_per_second=round(lam, 9),
        service_level=_finite(figures.service_level) if figures else None,
        p_wait=_finite(figures.p_wait) if figures else None,
        asa_seconds=_finite(figures.asa_seconds) if figures else None,
        occupancy=_finite(figures.occupancy) if figures else None,
        service_level_goal=service_level,
        target_seconds=target_seconds,
        required_agents=required,
        patience_seconds=patience_seconds,
        p_abandon=_finite(figures.p_abandon) if figures else None,
        service_level_incl_abandoned=_finite(figures.service_level_incl_abandoned) if figures else None,
    )


@router.post("/simulate", response_model=SimulateOut, summary="Simulate a small day on the real routing core")
async def simulate_endpoint(principal: Reader, body: SimulateIn) -> SimulateOut:
    """KPIs per interval and for the day; sizes are bounded so a request stays well under a second or two."""
    profile = body.profile
    problems = profile.problems()
    if problems:
        field, message = problems[0]
        raise InvalidInput(message, field=f"profile.{field}")
    if max(len(q.calls_per_interval) for q in profile.queues) > MAX_SIM_INTERVALS:
        raise InvalidInput(f"At most {MAX_SIM_INTERVALS} intervals.", field="profile.queues")
    if profile.expected_calls() * body.replications > MAX_SIM_CALLS:
        raise InvalidInput(
            f"At most {MAX_SIM_CALLS} expected calls (times replications) per request.", field="profile.queues"
        )
    if profile.agent_count() > MAX_SIM_AGENTS:
        raise InvalidInput(f"At most {MAX_SIM_AGENTS} agents.", field="profile.agents")
    scenario = profile.to_scenario()
    result = await run_in_threadpool(simulate, scenario, body.seed, body.replications)
    out = result.as_dict()
    return SimulateOut(
        intervals=out["intervals"],
        day=out["day"],
        queues=out["queues"],
        calls=out["calls"],
        replications=out["replications"],
        seed=body.seed,
        elapsed_seconds=out["elapsed_seconds"],
        calls_per_second=out["calls_per_second"],
    )
