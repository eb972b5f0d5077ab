"""Staffing per interval: the fewest agents that meet a service-level goal, by formula and by simulation.

Each interval is planned as its own stationary period (the usual planning assumption):
Erlang C, Erlang A when callers have a patience, and the simulator run with that interval's
load for `hours` of virtual time per candidate staffing. The goal is on the service level
counting abandoned-after-target calls as misses (equal to the plain service level when
nobody abandons), the honest one when callers hang up.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from frontdoor_routing.planning.erlang import erlang_a_required_agents, erlang_c_required_agents
from frontdoor_routing.planning.simulator import QueueSpec, Scenario, simulate, uniform_agents

MAX_STAFF = 2_000


@dataclass(frozen=True, slots=True)
class StaffingRow:
    """The staffing of one interval."""

    index: int
    start_seconds: float
    calls: float
    erlang_c_agents: int
    erlang_a_agents: int | None
    simulated_agents: int
    simulated_service_level: float | None


def simulated_service_level(
    queue: QueueSpec, calls: float, agents: int, *, interval_seconds: float, hours: float, seed: int
) -> float | None:
    """Service level (incl. abandoned) of `agents` serving `calls` per interval for `hours`, simulated."""
    intervals = max(1, round(hours * 3600 / interval_seconds))
    spec = dataclasses.replace(
        queue, calls=(calls,) * intervals, overflow=(), callback_threshold_seconds=None, queue_id="q"
    )
    result = simulate(Scenario((spec,), uniform_agents(agents, ["q"]), interval_seconds=interval_seconds), seed)
    return result.day.service_level_incl_abandoned


def staffing(
    queue: QueueSpec,
    *,
    service_level: float = 0.8,
    interval_seconds: float = 1800.0,
    start_seconds: float = 0.0,
    hours: float = 24.0,
    seed: int = 1,
) -> list[StaffingRow]:
    """For each interval of `queue`'s profile, the fewest agents meeting `service_level` within its target."""
    rows = []
    for i, calls in enumerate(queue.calls):
        start = start_seconds + i * interval_seconds
        if calls <= 0:
            rows.append(StaffingRow(i, start, calls, 0, 0 if queue.patience_seconds else None, 0, None))
            continue
        lam = calls / interval_seconds
        target = queue.target_seconds
        n_c = erlang_c_required_agents(lam, queue.aht_seconds, target, service_level)
        n_a = (
            erlang_a_required_agents(lam, queue.aht_seconds, queue.patience_seconds, target, service_level)
            if queue.patience_seconds
            else None
        )

        def level(n: int, calls: float = calls, i: int = i) -> float:
            got = simulated_service_level(
                queue, calls, n, interval_seconds=interval_seconds, hours=hours, seed=seed + 1000 * i
            )
            return got if got is not None else 0.0

        # Start at the formula's answer and walk to the fewest agents that meet the goal;
        # the same seed for every candidate (common random numbers) keeps the walk monotone.
        n = n_a if n_a is not None else n_c
        got = level(n)
        if got >= service_level:
            while n > 1:
                below = level(n - 1)
                if below < service_level:
                    break
                n, got = n - 1, below
        else:
            while got < service_level and n < MAX_STAFF:
                n += 1
                got = level(n)
        rows.append(StaffingRow(i, start, calls, n_c, n_a, n, got))
    return rows
