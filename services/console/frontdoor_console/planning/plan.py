"""The planner's work, done by routing's staffing endpoints with the user's tenant and scopes.

- The calculator: `GET /v1/staffing/erlang-c` (or `erlang-a` with a patience) for one half hour.
- The day: the same formula for each half hour (the agents each needs), then
  `POST /v1/staffing/simulate` of the day with a staffing (the plan's own, or the user's) for
  the simulator's KPIs per half hour and for the day.

Bad input comes back as routing's 422 next to the field it names; routing down leaves the
page saying so (`down`), never a 500.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from frontdoor_console.auth.user import User
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.context import ConsoleContext
from frontdoor_console.planning.forms import (
    INTERVAL_SECONDS,
    FieldProblem,
    TypedForm,
    clock_minutes,
    clock_of,
    number,
    numbers_list,
    routing_problem,
    whole,
)

# Routing runs at most two planning requests at once (per process) and answers 503
# `planner_busy` past that: the half hours are asked one after another, and a busy planner
# is asked again a few times before the page says it is busy.
BUSY_TRIES = 4
BUSY_PAUSE_S = 0.25
# A simulation runs in a process routing starts for it (seconds before the first call is
# simulated) within routing's planning budget (15 s by default): the console waits longer for
# it than for an ordinary service answer, or a slow start would read as routing being down.
SIMULATION_TIMEOUT_S = 45.0

# Routing's names for the calculator's fields (the form uses the same ones).
ERLANG_ROUTING_FIELDS = {
    name: name
    for name in ("calls_per_interval", "aht_seconds", "target_seconds", "service_level", "patience_seconds", "agents")
}
# Routing's names (the formula's, then the simulated profile's) for the day form's fields.
DAY_ROUTING_FIELDS = {
    "calls_per_interval": "calls",
    "aht_seconds": "aht_seconds",
    "patience_seconds": "patience_seconds",
    "target_seconds": "target_seconds",
    "service_level": "service_level",
    "profile.queues.0.calls_per_interval": "calls",
    "profile.queues.0.aht_seconds": "aht_seconds",
    "profile.queues.0.patience_seconds": "patience_seconds",
    "profile.queues.0.target_seconds": "target_seconds",
    "profile.queues": "calls",  # the day's size (expected calls, intervals)
    "profile.start": "start",
    "profile.agents": "staffing",
}


async def planner(
    ctx: ConsoleContext, method: str, path: str, token: str, *, timeout: float | None = None, **kw: Any
) -> Any:
    """Routing's planning endpoint; a 503 (the planner busy with others' work) is tried again."""
    for attempt in range(BUSY_TRIES):
        try:
            return await ctx.services.routing.request(method, path, token, timeout=timeout, **kw)
        except ServiceDown as exc:
            if exc.reason != "HTTP 503" or attempt == BUSY_TRIES - 1:
                raise
        await asyncio.sleep(BUSY_PAUSE_S * (attempt + 1))
    raise AssertionError("unreachable")


def busy(exc: ServiceDown) -> bool:
    """Routing answered, but its planner was busy (503) every time it was asked."""
    return exc.reason == "HTTP 503"


@dataclass
class ErlangResult:
    """The calculator's answer: routing's figures, or the form's problems, or routing down."""

    form: TypedForm
    model: str = "c"
    figures: dict[str, Any] | None = None
    down: str | None = None
    busy: bool = False


@dataclass
class HalfHour:
    """One half hour of the day: its load, the agents it needs, the staffing simulated, its KPIs."""

    start: str
    calls: float
    required: int
    staffed: int | None = None
    kpis: dict[str, Any] | None = None


@dataclass
class DayResult:
    """The day's answer: the half hours, the simulator's day KPIs, or what went wrong."""

    form: TypedForm
    model: str = "c"
    rows: list[HalfHour] = field(default_factory=list)
    day: dict[str, Any] | None = None
    down: str | None = None
    simulator_down: str | None = None
    busy: bool = False

    @property
    def own_staffing(self) -> bool:
        """The user gave a staffing of their own (else the plan's is simulated)."""
        return bool(self.form.text.get("staffing"))


def _goal(form: TypedForm, babel_locale: str) -> float | None:
    """The service-level goal, typed in percent, as routing's share."""
    percent = number(form, "service_level", babel_locale)
    return None if percent is None else percent / 100


async def erlang(ctx: ConsoleContext, user: User, form: TypedForm, babel_locale: str) -> ErlangResult:
    """Erlang C (or A) figures for one half hour."""
    model = form.text.get("model") or "c"
    if model not in ("c", "a"):
        form.problems["model"] = FieldProblem("choice")
    answer = ErlangResult(form, model)
    params: dict[str, Any] = {
        "interval_seconds": INTERVAL_SECONDS,
        "calls_per_interval": number(form, "calls_per_interval", babel_locale),
        "aht_seconds": number(form, "aht_seconds", babel_locale),
        "target_seconds": number(form, "target_seconds", babel_locale),
        "service_level": _goal(form, babel_locale),
    }
    if model == "a":
        params["patience_seconds"] = number(form, "patience_seconds", babel_locale)
    agents = whole(form, "agents", babel_locale, required=False)
    if agents is not None:
        params["agents"] = agents
    if not form.ok():
        return answer
    token = ctx.tokens.for_user(user)
    path = f"/v1/staffing/erlang-{model}"
    try:
        answer.figures = await planner(ctx, "GET", path, token, params=params)
        if agents is None and answer.figures:
            # No staffing given: the figures at the staffing the goal needs.
            params["agents"] = answer.figures["required_agents"]
            answer.figures = await planner(ctx, "GET", path, token, params=params)
    except ServiceRefused as exc:
        routing_problem(form, exc, ERLANG_ROUTING_FIELDS)
    except ServiceDown as exc:
        answer.down, answer.busy = exc.service, busy(exc)
    return answer


async def day(ctx: ConsoleContext, user: User, form: TypedForm, babel_locale: str) -> DayResult:
    """The agents each half hour needs (by formula), and the simulator's KPIs for a staffing."""
    answer = DayResult(form)
    start = clock_minutes(form.text.get("start", ""))
    if start is None:
        form.problems["start"] = FieldProblem("clock")
    calls = numbers_list(form, "calls", babel_locale, start or 0)
    aht = number(form, "aht_seconds", babel_locale)
    patience = number(form, "patience_seconds", babel_locale, required=False)
    target = number(form, "target_seconds", babel_locale)
    goal = _goal(form, babel_locale)
    staffing = _staffing(form, babel_locale, start or 0, len(calls or []))
    if not form.ok() or start is None or calls is None:
        return answer
    answer.model = "a" if patience is not None else "c"
    token = ctx.tokens.for_user(user)
    labels = [clock_of(start + 30 * i) for i in range(len(calls))]
    found: list[dict[str, Any]] = []
    for label, load in zip(labels, calls, strict=True):
        params: dict[str, Any] = {
            "interval_seconds": INTERVAL_SECONDS,
            "calls_per_interval": load,
            "aht_seconds": aht,
            "target_seconds": target,
            "service_level": goal,
        }
        if patience is not None:
            params["patience_seconds"] = patience
        try:
            found.append(await planner(ctx, "GET", f"/v1/staffing/erlang-{answer.model}", token, params=params))
        except ServiceDown as exc:
            answer.down, answer.busy = exc.service, busy(exc)
            return answer
        except ServiceRefused as exc:
            routing_problem(form, exc, DAY_ROUTING_FIELDS, where=label)
            return answer
    answer.rows = [
        HalfHour(label, load, int(figures["required_agents"]))
        for label, load, figures in zip(labels, calls, found, strict=True)
    ]
    plan = staffing if staffing is not None else [row.required for row in answer.rows]
    for row, staffed in zip(answer.rows, plan, strict=True):
        row.staffed = staffed
    queue: dict[str, Any] = {"id": "q", "calls_per_interval": calls, "aht_seconds": aht, "target_seconds": target}
    if patience is not None:
        queue["patience_seconds"] = patience
    profile = {
        "start": clock_of(start),
        "interval_seconds": INTERVAL_SECONDS,
        "queues": [queue],
        "agents": shifts_for(plan),
    }
    try:
        simulated = await planner(
            ctx,
            "POST",
            "/v1/staffing/simulate",
            token,
            timeout=SIMULATION_TIMEOUT_S,
            json={"profile": profile, "seed": 1, "replications": 1},
        )
    except ServiceRefused as exc:
        routing_problem(form, exc, DAY_ROUTING_FIELDS)
        return answer
    except ServiceDown as exc:
        answer.simulator_down, answer.busy = exc.service, busy(exc)
        return answer
    answer.day = simulated["day"]
    by_index = {int(i["index"]): i for i in simulated["intervals"]}
    for i, row in enumerate(answer.rows):
        row.kpis = by_index.get(i)
    return answer


def _staffing(form: TypedForm, babel_locale: str, start: int, half_hours: int) -> list[int] | None:
    """The user's staffing: one number for the whole day, or one per half hour (None: the plan's)."""
    if not form.text.get("staffing"):
        return None
    found = numbers_list(form, "staffing", babel_locale, start, whole_numbers=True)
    if found is None:
        return None
    if any(n < 0 for n in found):
        form.problems["staffing"] = FieldProblem("negative")
        return None
    if len(found) == 1 and half_hours:
        return [int(found[0])] * half_hours
    if half_hours and len(found) != half_hours:
        form.problems["staffing"] = FieldProblem("length", str(half_hours))
        return None
    return [int(n) for n in found]


def shifts_for(staffing: list[int]) -> int | list[dict[str, Any]]:
    """The simulator's agents for a staffing per half hour: agent i works the half hours that
    need more than i agents (each run of them one shift, in seconds from the day's start)."""
    if not staffing or max(staffing) <= 0:
        return 0
    if min(staffing) == max(staffing):
        return staffing[0]  # the same all day: that many agents, present throughout
    agents: list[dict[str, Any]] = []
    for i in range(max(staffing)):
        shifts: list[list[float]] = []
        for t, staffed in enumerate(staffing):
            if staffed <= i:
                continue
            begin, end = t * INTERVAL_SECONDS, (t + 1) * INTERVAL_SECONDS
            if shifts and shifts[-1][1] == begin:
                shifts[-1][1] = end
            else:
                shifts.append([begin, end])
        agents.append({"id": f"agent-{i + 1}", "shifts": shifts})
    return agents
