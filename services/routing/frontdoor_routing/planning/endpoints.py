"""Staffing endpoints for planners: Erlang C, Erlang A, and the simulator on a small profile."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from frontdoor_common.errors import InvalidInput
from frontdoor_routing.auth import Reader, Writer
from frontdoor_routing.context import ContextDep
from frontdoor_routing.planning.erlang import (
    MAX_AGENTS,
    erlang_a,
    erlang_a_required_agents,
    erlang_c,
    erlang_c_required_agents,
)
from frontdoor_routing.planning.runner import in_process, in_thread
from frontdoor_routing.planning.schemas import Profile, simulate_profile

router = APIRouter(prefix="/v1/staffing", tags=["planning"])

# Simulating a day is a planner's (a manager's) work and costs real CPU: it takes the scope
# that manages queues. There is no planning scope yet.
Planner = Writer

# A request must stay short: these bound the simulator's work (~100k calls/s on one core).
MAX_SIM_CALLS = 20_000  # expected calls x replications
MAX_SIM_INTERVALS = 96
MAX_SIM_AGENTS = 500
MAX_SIM_REPLICATIONS = 10
MAX_CALLS_PER_INTERVAL = 1_000_000.0
MIN_CALLS_PER_INTERVAL = 1e-9
MAX_TRAFFIC_ERLANGS = 5_000.0  # a few thousand agents: the formulas stay in milliseconds
# Erlang A's work grows with the calls that arrive within one mean patience (its queue can
# grow that long when overloaded): past this it takes seconds.
MAX_PATIENT_CALLS = 20_000.0


class Budgets(BaseModel):
    """How long planning work may run off the event loop (seconds)."""

    formula_s: float = 5.0
    planning_s: float = 15.0


def budgets(ctx: ContextDep) -> Budgets:
    """The service's planning budgets (`ROUTING_FORMULA_BUDGET_S`, `ROUTING_PLANNING_BUDGET_S`)."""
    return Budgets(formula_s=ctx.settings.formula_budget_s, planning_s=ctx.settings.planning_budget_s)


BudgetsDep = Annotated[Budgets, Depends(budgets)]


class ErlangCView(BaseModel):
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


class ErlangAView(ErlangCView):
    """Erlang A (exponential patience) for one staffing level."""

    patience_seconds: float
    p_abandon: float | None
    service_level_incl_abandoned: float | None


class SimulationCreate(BaseModel):
    """A small day profile to simulate (see the simulator's documentation)."""

    model_config = ConfigDict(extra="forbid")

    profile: Profile
    seed: int = Field(1, ge=0, le=2**31)
    replications: int = Field(1, ge=1, le=MAX_SIM_REPLICATIONS)


class SimulationView(BaseModel):
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


def _figures(figures: Any, *names: str) -> dict[str, float | None]:
    """The named figures (None where infinite, or all None without a staffing level)."""
    return {name: _finite(getattr(figures, name)) if figures else None for name in names}


def _erlang_c_fields(
    lam: float,
    aht_seconds: float,
    agents: int | None,
    figures: Any,
    goal: float,
    target_seconds: float,
    required: int,
) -> dict[str, Any]:
    """What Erlang C and Erlang A both answer."""
    return {
        "agents": agents,
        "traffic_erlangs": round(lam * aht_seconds, 6),
        "arrival_rate_per_second": round(lam, 9),
        **_figures(figures, "service_level", "p_wait", "asa_seconds", "occupancy"),
        "service_level_goal": goal,
        "target_seconds": target_seconds,
        "required_agents": required,
    }


def _load(calls_per_interval: float, interval_seconds: float, aht_seconds: float) -> float:
    if calls_per_interval > MAX_CALLS_PER_INTERVAL:
        raise InvalidInput("Too many calls per interval for the planner.", field="calls_per_interval")
    if calls_per_interval < MIN_CALLS_PER_INTERVAL:
        return 0.0  # below a billionth of a call the formulas underflow; no load is the answer
    lam = calls_per_interval / interval_seconds
    if lam * aht_seconds > MAX_TRAFFIC_ERLANGS:
        raise InvalidInput("The offered traffic is too large for the planner.", field="calls_per_interval")
    return lam


Calls = Annotated[float, Query(ge=0, le=MAX_CALLS_PER_INTERVAL, description="calls offered per interval")]
Interval = Annotated[float, Query(ge=1, le=86_400, description="interval length, seconds")]
Aht = Annotated[float, Query(ge=1, le=86_400, description="mean handle time (talk + wrap-up), seconds")]
Target = Annotated[float, Query(ge=0, le=86_400, description="service-level target, seconds")]
Agents = Annotated[int | None, Query(ge=0, le=MAX_AGENTS, description="staffing level to evaluate")]
Goal = Annotated[float, Query(gt=0, lt=1, description="service-level goal for required_agents, e.g. 0.8")]


@router.get("/erlang-c", response_model=ErlangCView, summary="Erlang C: service level, P(wait), ASA, staffing")
async def erlang_c_endpoint(
    principal: Reader,
    budget: BudgetsDep,
    calls_per_interval: Calls,
    aht_seconds: Aht,
    interval_seconds: Interval = 1800.0,
    target_seconds: Target = 20.0,
    agents: Agents = None,
    service_level: Goal = 0.8,
) -> ErlangCView:
    """Erlang C figures for `agents` (if given) and the fewest agents meeting `service_level`."""
    lam = _load(calls_per_interval, interval_seconds, aht_seconds)

    def work() -> tuple[int, Any]:
        required = erlang_c_required_agents(lam, aht_seconds, target_seconds, service_level)
        return required, erlang_c(lam, aht_seconds, agents, target_seconds) if agents is not None else None

    required, figures = await in_thread(work, budget_s=budget.formula_s)
    return ErlangCView(**_erlang_c_fields(lam, aht_seconds, agents, figures, service_level, target_seconds, required))


@router.get("/erlang-a", response_model=ErlangAView, summary="Erlang A: with exponential patience (abandonment)")
async def erlang_a_endpoint(
    principal: Reader,
    budget: BudgetsDep,
    calls_per_interval: Calls,
    aht_seconds: Aht,
    patience_seconds: Annotated[float, Query(ge=1, le=86_400, description="mean patience, seconds")],
    interval_seconds: Interval = 1800.0,
    target_seconds: Target = 20.0,
    agents: Agents = None,
    service_level: Goal = 0.8,
) -> ErlangAView:
    """Erlang A figures for `agents` (if given) and the fewest agents meeting `service_level`.

    `required_agents` is for the goal on answered within target / (answered + abandoned
    after target), so heavy abandonment cannot make thin staffing look good.
    """
    lam = _load(calls_per_interval, interval_seconds, aht_seconds)
    if lam * patience_seconds > MAX_PATIENT_CALLS:
        raise InvalidInput(
            f"At most {MAX_PATIENT_CALLS:g} calls may arrive within one mean patience for the planner.",
            field="patience_seconds",
        )

    def work() -> tuple[int, Any]:
        required = erlang_a_required_agents(lam, aht_seconds, patience_seconds, target_seconds, service_level)
        figures = erlang_a(lam, aht_seconds, patience_seconds, agents, target_seconds) if agents is not None else None
        return required, figures

    required, figures = await in_thread(work, budget_s=budget.formula_s)
    return ErlangAView(
        **_erlang_c_fields(lam, aht_seconds, agents, figures, service_level, target_seconds, required),
        patience_seconds=patience_seconds,
        **_figures(figures, "p_abandon", "service_level_incl_abandoned"),
    )


@router.post("/simulate", response_model=SimulationView, summary="Simulate a small day on the real routing core")
async def simulate_endpoint(principal: Planner, budget: BudgetsDep, body: SimulationCreate) -> SimulationView:
    """KPIs per interval and for the day (needs routing:write).

    Sizes are bounded (see the profile's schema); the simulation runs in a worker process
    with a time budget (422 `planning_budget_exceeded` past it, 503 `planner_busy` when
    the planner already runs its share of requests).
    """
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
    out: dict[str, Any] = await in_process(
        simulate_profile,
        profile.model_dump(mode="json", by_alias=False),
        body.seed,
        body.replications,
        budget_s=budget.planning_s,
    )
    return SimulationView(
        intervals=out["intervals"],
        day=out["day"],
        queues=out["queues"],
        calls=out["calls"],
        replications=out["replications"],
        seed=body.seed,
        elapsed_seconds=out["elapsed_seconds"],
        calls_per_second=out["calls_per_second"],
    )
