"""What a simulation reports: raw tallies that add up, and the KPIs computed from them.

Definitions as in `frontdoor_routing.stats.kpis` (service level over answered calls, and the
variant counting abandoned-after-target calls; ASA from the original arrival; AHT = talk +
wrap-up), plus P(wait), abandonment rate, max wait, occupancy and staffed agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class Tally:
    """Raw counts and sums behind the KPIs; tallies add up across queues and replications."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    abandoned_after_target: int = 0
    answered_within_target: int = 0
    waited: int = 0  # not offered on arrival
    callbacks: int = 0
    unresolved: int = 0  # still waiting when the simulation ended (no agent left)
    wait_sum: float = 0.0
    max_wait: float = 0.0
    handled: int = 0
    handle_sum: float = 0.0
    busy_seconds: float = 0.0
    staffed_seconds: float = 0.0

    def add(self, other: Tally) -> None:
        """Add `other` into this tally."""
        for f in fields(self):
            if f.name == "max_wait":
                self.max_wait = max(self.max_wait, other.max_wait)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def kpis(self) -> Kpis:
        """The KPIs of these counts."""
        k = Kpis(
            offered=self.offered,
            answered=self.answered,
            abandoned=self.abandoned,
            abandoned_after_target=self.abandoned_after_target,
            answered_within_target=self.answered_within_target,
            callbacks=self.callbacks,
            unresolved=self.unresolved,
            max_wait_seconds=round(self.max_wait, 2),
        )
        if self.offered:
            k.accessibility = self.answered / self.offered
            k.p_wait = self.waited / self.offered
            k.abandon_rate = self.abandoned / self.offered
        if self.answered:
            k.service_level = self.answered_within_target / self.answered
            k.asa_seconds = self.wait_sum / self.answered
        if self.answered + self.abandoned_after_target:
            k.service_level_incl_abandoned = self.answered_within_target / (self.answered + self.abandoned_after_target)
        if self.handled:
            k.aht_seconds = self.handle_sum / self.handled
        if self.staffed_seconds > 0:
            k.occupancy = self.busy_seconds / self.staffed_seconds
        return k


@dataclass(slots=True)
class Kpis:
    """KPIs of one period (definitions as in `frontdoor_routing.stats.kpis`, unrounded)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    abandoned_after_target: int = 0
    answered_within_target: int = 0
    callbacks: int = 0
    unresolved: int = 0
    accessibility: float | None = None
    service_level: float | None = None
    service_level_incl_abandoned: float | None = None
    p_wait: float | None = None
    abandon_rate: float | None = None
    asa_seconds: float | None = None
    aht_seconds: float | None = None
    max_wait_seconds: float = 0.0
    occupancy: float | None = None
    staffed_agents: float = 0.0  # mean agents available or busy over the period

    def as_dict(self, digits: int = 4) -> dict[str, Any]:
        """JSON-ready, rounded."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = round(v, digits) if isinstance(v, float) else v
        return out


@dataclass(slots=True)
class IntervalResult:
    """The KPIs of one interval."""

    index: int
    start_seconds: float
    kpis: Kpis


@dataclass(slots=True)
class SimulationResult:
    """KPIs per interval and for the day (all queues), per queue for the day, and run figures."""

    intervals: list[IntervalResult]
    day: Kpis
    queues: dict[str, Kpis]
    calls: int
    replications: int
    elapsed_seconds: float
    tallies: list[Tally] = field(default_factory=list, repr=False)  # per interval (all queues)
    day_tally: Tally = field(default_factory=Tally, repr=False)

    @property
    def calls_per_second(self) -> float:
        """Simulated calls per wall-clock second."""
        return self.calls / self.elapsed_seconds if self.elapsed_seconds > 0 else math.inf

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "intervals": [
                {"index": r.index, "start_seconds": r.start_seconds, **r.kpis.as_dict()} for r in self.intervals
            ],
            "day": self.day.as_dict(),
            "queues": {q: k.as_dict() for q, k in self.queues.items()},
            "calls": self.calls,
            "replications": self.replications,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "calls_per_second": round(self.calls_per_second, 1),
        }
