"""The day profile a planner writes (JSON), shared by the command line and the REST endpoint.

Times of day are "HH:MM" clock times, or numbers of seconds from the start of the profile.
`agents` is either a count (that many agents in every queue, present all day) or a list.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from frontdoor_routing.core.model import OverflowStep, Strategy
from frontdoor_routing.planning.simulator import AgentSpec, QueueSpec, Scenario, simulate, uniform_agents

# Limits on a profile: they bound the work of checking and simulating it (a REST request
# must stay short; see the staffing endpoints for the limits on the simulated calls).
MAX_QUEUES = 20
MAX_INTERVALS = 96
MAX_DURATION_SECONDS = 2 * 86_400
MAX_OVERFLOW_STEPS = 5
MAX_AGENTS = 500
MAX_PERIODS = 20  # shifts, or meetings, of one agent
MAX_ID = 64
DAY = 86_400.0

TimeOfDay = Annotated[float, Field(ge=-DAY, le=3 * DAY)] | Annotated[str, Field(max_length=8)]
Count = Annotated[float, Field(ge=0, le=1_000_000)]
Seconds = Annotated[float, Field(ge=0, le=DAY)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
STRICT = ConfigDict(extra="forbid", allow_inf_nan=False)


def clock_seconds(value: str) -> float:
    """Seconds since midnight of "HH:MM" or "HH:MM:SS"."""
    parts = value.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{value!r} is not a clock time HH:MM")
    h, m, s = (int(p) for p in [*parts, "0"][:3])
    if h > 24 or m > 59 or s > 59:
        raise ValueError(f"{value!r} is not a clock time HH:MM")
    return float(h * 3600 + m * 60 + s)


class ProfileOverflow(BaseModel):
    """After `after_seconds` in the queue, the agents of `queues` may take the call too."""

    model_config = STRICT

    after_seconds: float = Field(ge=0, le=DAY)
    queues: list[Name] = Field(min_length=1, max_length=MAX_QUEUES)


class ProfileQueue(BaseModel):
    """One queue's load and rules."""

    model_config = STRICT

    id: Name = "q"
    calls_per_interval: list[Count] = Field(
        min_length=1,
        max_length=MAX_INTERVALS,
        validation_alias=AliasChoices("calls_per_interval", "calls_per_half_hour", "calls"),
    )
    aht_seconds: float = Field(180.0, gt=0, le=86_400)
    handle: Literal["exponential", "lognormal"] = "exponential"
    handle_cv: float = Field(1.0, gt=0, le=10)
    patience_seconds: float | None = Field(None, ge=1, le=DAY)
    target_seconds: Seconds = 20.0
    wrapup_seconds: Seconds = 0.0
    overflow: list[ProfileOverflow] = Field(default=[], max_length=MAX_OVERFLOW_STEPS)
    strategy: Strategy = "longest_idle"
    priority: int = Field(0, ge=0, le=10)
    callback_threshold_seconds: float | None = Field(None, ge=0, le=DAY)
    callback_delay_seconds: Seconds = 900.0


class ProfileAgent(BaseModel):
    """One agent; `queues` as {queue: proficiency 1-5} or a list (proficiency 3); none: every queue."""

    model_config = STRICT

    id: Name
    queues: (
        Annotated[dict[Name, int], Field(max_length=MAX_QUEUES)]
        | Annotated[list[Name], Field(max_length=MAX_QUEUES)]
        | None
    ) = None
    shifts: list[tuple[TimeOfDay, TimeOfDay]] = Field(default=[], max_length=MAX_PERIODS)
    meetings: list[tuple[TimeOfDay, TimeOfDay]] = Field(default=[], max_length=MAX_PERIODS)


class Profile(BaseModel):
    """A day to simulate."""

    model_config = STRICT

    start: str = Field("08:00", max_length=8)
    interval_seconds: float = Field(1800.0, ge=1, le=DAY)
    answer_delay_seconds: float = Field(0.0, ge=0, le=600)
    queues: list[ProfileQueue] = Field(min_length=1, max_length=MAX_QUEUES)
    agents: Annotated[int, Field(ge=0, le=MAX_AGENTS)] | Annotated[list[ProfileAgent], Field(max_length=MAX_AGENTS)] = (
        10
    )

    def problems(self) -> list[tuple[str, str]]:
        """Rules across fields, as (field, message): empty when the profile is sound."""
        out: list[tuple[str, str]] = []
        try:
            start = clock_seconds(self.start)
        except ValueError as exc:
            return [("start", str(exc))]
        ids = {q.id for q in self.queues}  # a set: membership checks below stay linear
        if len(ids) != len(self.queues):
            out.append(("queues", "queue ids must be unique"))
        longest = max(len(q.calls_per_interval) for q in self.queues)
        if longest * self.interval_seconds > MAX_DURATION_SECONDS:
            out.append(("interval_seconds", f"the profile may span at most {MAX_DURATION_SECONDS // 3600} hours"))
        for i, q in enumerate(self.queues):
            if q.wrapup_seconds >= q.aht_seconds:
                out.append((f"queues.{i}.wrapup_seconds", "wrap-up must be shorter than the handle time"))
            for j, step in enumerate(q.overflow):
                for name in step.queues:
                    if name not in ids:
                        out.append((f"queues.{i}.overflow.{j}.queues", f"unknown queue {name!r}"))
        if isinstance(self.agents, int):
            if self.agents < 0:
                out.append(("agents", "must be >= 0"))
            return out
        for i, a in enumerate(self.agents):
            names = a.queues if isinstance(a.queues, list) else list(a.queues or {})
            for name in names:
                if name not in ids:
                    out.append((f"agents.{i}.queues", f"unknown queue {name!r}"))
            if isinstance(a.queues, dict) and any(not 1 <= p <= 5 for p in a.queues.values()):
                out.append((f"agents.{i}.queues", "proficiency must be 1-5"))
            for kind in ("shifts", "meetings"):
                for j, (s, e) in enumerate(getattr(a, kind)):
                    try:
                        if _at(e, start) <= _at(s, start):
                            out.append((f"agents.{i}.{kind}.{j}", "the end must come after the start"))
                    except ValueError as exc:
                        out.append((f"agents.{i}.{kind}.{j}", str(exc)))
        return out

    def to_scenario(self) -> Scenario:
        """The simulator's scenario (call `problems()` first)."""
        start = clock_seconds(self.start)
        queues = tuple(
            QueueSpec(
                q.id,
                tuple(q.calls_per_interval),
                aht_seconds=q.aht_seconds,
                handle=q.handle,
                handle_cv=q.handle_cv,
                patience_seconds=q.patience_seconds,
                target_seconds=q.target_seconds,
                wrapup_seconds=q.wrapup_seconds,
                overflow=tuple(OverflowStep(o.after_seconds, tuple(o.queues)) for o in q.overflow),
                strategy=q.strategy,
                priority=q.priority,
                callback_threshold_seconds=q.callback_threshold_seconds,
                callback_delay_seconds=q.callback_delay_seconds,
            )
            for q in self.queues
        )
        ids = [q.queue_id for q in queues]
        if isinstance(self.agents, int):
            agents = uniform_agents(self.agents, ids)
        else:
            agents = tuple(
                AgentSpec(
                    a.id,
                    _memberships(a.queues, ids),
                    tuple((_at(s, start), _at(e, start)) for s, e in a.shifts),
                    tuple((_at(s, start), _at(e, start)) for s, e in a.meetings),
                )
                for a in self.agents
            )
        return Scenario(
            queues,
            agents,
            interval_seconds=self.interval_seconds,
            answer_delay_seconds=self.answer_delay_seconds,
            start_seconds=start,
        )

    def expected_calls(self) -> float:
        """Expected number of calls in the day."""
        return sum(sum(q.calls_per_interval) for q in self.queues)

    def agent_count(self) -> int:
        """How many agents the profile has."""
        return self.agents if isinstance(self.agents, int) else len(self.agents)


def _at(value: TimeOfDay, start: float) -> float:
    """Seconds from the profile's start."""
    return clock_seconds(value) - start if isinstance(value, str) else float(value)


def _memberships(queues: dict[str, int] | list[str] | None, ids: list[str]) -> dict[str, int]:
    if queues is None:
        return dict.fromkeys(ids, 3)
    if isinstance(queues, list):
        return dict.fromkeys(queues, 3)
    return dict(queues)


def simulate_profile(profile: dict[str, object], seed: int, replications: int) -> dict[str, object]:
    """Simulate a checked profile (JSON form) and return the results JSON-ready (runs in a worker process)."""
    checked = Profile.model_validate(profile)
    result: dict[str, object] = simulate(checked.to_scenario(), seed, replications).as_dict()
    return result
