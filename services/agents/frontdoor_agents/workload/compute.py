"""Workload figures as pure functions: presence history and handled calls in, per-agent and per-team figures out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Span:
    """A presence state held from start to end (None: still held)."""

    presence: str
    reason: str | None
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class HandledCall:
    """A call the agent handled, with routing's talk and wrap-up seconds."""

    talk_seconds: float
    wrapup_seconds: float


@dataclass
class Figures:
    """Workload over a period."""

    logged_in_seconds: float = 0.0
    available_seconds: float = 0.0
    on_call_seconds: float = 0.0
    wrap_up_seconds: float = 0.0
    away_seconds: dict[str, float] = field(default_factory=dict)
    talk_seconds: float = 0.0
    wrapup_seconds: float = 0.0
    calls_handled: int = 0
    target_calls: float = 0.0

    @property
    def away_total(self) -> float:
        """All away time, whatever the reason."""
        return sum(self.away_seconds.values())

    @property
    def occupancy(self) -> float | None:
        """Talk and wrap-up time over the time the agent was ready for calls (logged in and not away)."""
        ready = self.logged_in_seconds - self.away_total
        return round((self.talk_seconds + self.wrapup_seconds) / ready, 4) if ready > 0 else None

    @property
    def share_of_target(self) -> float | None:
        """Calls handled over the target for the period (1.3 = 130%)."""
        return round(self.calls_handled / self.target_calls, 4) if self.target_calls else None


def agent_figures(
    spans: Sequence[Span], calls: Sequence[HandledCall], start: datetime, end: datetime, now: datetime, target: float
) -> Figures:
    """One agent's figures over [start, end), counting open spans up to `now`."""
    f = Figures(target_calls=target)
    stop = min(end, now)
    for s in spans:
        s_end = min(s.end or stop, stop)
        seconds = (s_end - max(s.start, start)).total_seconds()
        if seconds <= 0 or s.presence == "logged_out":
            continue
        f.logged_in_seconds += seconds
        if s.presence == "away":
            key = s.reason or "other"
            f.away_seconds[key] = f.away_seconds.get(key, 0.0) + seconds
        elif s.presence == "available":
            f.available_seconds += seconds
        elif s.presence == "on_call":
            f.on_call_seconds += seconds
        elif s.presence == "wrap_up":
            f.wrap_up_seconds += seconds
    for c in calls:
        f.calls_handled += 1
        f.talk_seconds += c.talk_seconds
        f.wrapup_seconds += c.wrapup_seconds
    return f


def team_figures(members: Sequence[Figures]) -> Figures:
    """A team's figures: sums over its agents (the target too)."""
    t = Figures()
    for m in members:
        t.logged_in_seconds += m.logged_in_seconds
        t.available_seconds += m.available_seconds
        t.on_call_seconds += m.on_call_seconds
        t.wrap_up_seconds += m.wrap_up_seconds
        for k, v in m.away_seconds.items():
            t.away_seconds[k] = t.away_seconds.get(k, 0.0) + v
        t.talk_seconds += m.talk_seconds
        t.wrapup_seconds += m.wrapup_seconds
        t.calls_handled += m.calls_handled
        t.target_calls += m.target_calls
    return t
