"""The routing core's vocabulary: queue rules, and the decisions the core returns.

Pure data: no I/O, no clocks (times are float seconds passed in by the caller).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

Id = Hashable
WithdrawReason = Literal["rejected", "timeout", "cancelled"]
Strategy = Literal["longest_idle", "proficiency", "round_robin", "fewest_calls"]
STRATEGIES: tuple[Strategy, ...] = ("longest_idle", "proficiency", "round_robin", "fewest_calls")


@dataclass(frozen=True, slots=True)
class OverflowStep:
    """After `after_seconds` in the queue, agents of `queue_ids` may take the call too."""

    after_seconds: float
    queue_ids: tuple[Id, ...]


@dataclass(frozen=True, slots=True)
class QueueRules:
    """What the core needs to know about a queue."""

    queue_id: Id
    strategy: Strategy = "longest_idle"
    priority: int = 0
    overflow: tuple[OverflowStep, ...] = ()
    offer_timeout: float = 15.0
    wrapup: float = 0.0
    max_wait: float | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """Offer `call_id` to `agent_id` (a lease until `expires_at`)."""

    offer_id: int
    call_id: Id
    agent_id: Id
    queue_id: Id
    expires_at: float


@dataclass(frozen=True, slots=True)
class Withdrawn:
    """An offer ended without being accepted; the call waits again."""

    offer_id: int
    call_id: Id
    agent_id: Id
    reason: WithdrawReason


@dataclass(frozen=True, slots=True)
class WrapUpEnded:
    """The agent's wrap-up after `call_id` is over; they can take calls again."""

    agent_id: Id
    call_id: Id


@dataclass(frozen=True, slots=True)
class MaxWaitReached:
    """The call waited the queue's maximum; it left the queue (the caller decides what next)."""

    call_id: Id


Decision = Offer | Withdrawn | WrapUpEnded | MaxWaitReached


@dataclass(frozen=True, slots=True)
class RouterConfig:
    """Core-wide rules."""

    # A priority point is worth this many seconds of waiting: higher priority goes first,
    # but a low-priority call that waited long enough still overtakes (no starvation).
    seconds_per_priority: float = 60.0
    # How long a call waits for its preferred (known) agent before anyone may take it.
    preference_window: float = 10.0


@dataclass(slots=True)
class CallView:
    """A waiting call as the core reports it."""

    call_id: Id
    queue_id: Id
    position: int
    arrived_at: float
    entered_at: float
    offered_to: Id | None = None
    overflowed_to: list[Id] = field(default_factory=list)
