"""Events published by the callbacks service on `frontdoor.callbacks.v1`.

Routing consumes `callbacks.callback.dispatched` and queues the callback as a task in
`callback.queue_id`, ordered by `callback.original_arrived_at` (a queue callback's original
arrival on its first dispatch, otherwise the moment it fell due), with `callback.priority`
and a preferred `callback.agent_id`. `attempt` is the dispatch's sequence number: unique per
callback, so (callback_id, attempt) dedupes. Routing should drop a task it still holds when
the callback is completed, expired or cancelled. Extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

# scheduled: waiting until due; dispatched: a task in routing's queue; in_progress: an agent
# answered the task; completed: reached; failed: wrong number; expired: window or deadline
# passed or attempts ran out. "pending" is kept for compatibility (never written today).
CallbackStatus = Literal[
    "pending", "scheduled", "dispatched", "in_progress", "completed", "failed", "expired", "cancelled"
]
ExpiryReason = Literal["window_passed", "deadline_passed", "attempts_exhausted", "wrong_number", "no_opening"]
AttemptOutcome = Literal["reached", "no_answer", "busy", "wrong_number", "voicemail"]


class CallbackSnapshot(BaseModel):
    """A callback request at a moment."""

    callback_id: uuid.UUID
    tenant_id: str
    number: str
    member_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None  # the agent who should call back, if named
    source: Literal["queue", "agent", "web"]
    reason: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    deadline: datetime | None = None
    status: CallbackStatus
    attempts: int = 0
    max_attempts: int = 3
    priority: int = 0
    original_call_id: uuid.UUID | None = None
    original_arrived_at: datetime | None = None  # a queue callback keeps its place
    requested_at: datetime
    due_at: datetime | None = None
    at_risk: bool = False
    # Added after the first contract (extensions only):
    dispatches: int = 0  # how many times it was handed to routing
    last_outcome: AttemptOutcome | None = None
    closed_at: datetime | None = None
    closed_reason: ExpiryReason | None = None
    requests: int = 1  # how many requests were merged into this one (deduplication)
    hours_guessed: bool = False  # due_at rests on guessed opening hours (agents away); corrected later


class CallbackEvent(Event):
    """Base of callback events: keyed by callback id."""

    topic = topics.CALLBACKS
    callback: CallbackSnapshot

    def key(self) -> str:
        return str(self.callback.callback_id)


class CallbackRequested(CallbackEvent):
    """A callback was requested (or an existing pending one for the number and queue updated)."""

    name = "callbacks.callback.requested"
    updated: bool = False  # True: a second request for the same number and queue updated this one


class CallbackDispatched(CallbackEvent):
    """The callback is due: routing queues it as a task and offers it like a call."""

    name = "callbacks.callback.dispatched"
    attempt: int  # the dispatch's sequence number (1, 2, ...): unique per callback


class CallbackAttempted(CallbackEvent):
    """An agent tried the number."""

    name = "callbacks.callback.attempted"
    outcome: AttemptOutcome
    agent_id: uuid.UUID | None = None
    attempt: int = 0  # the attempt's number (1-based)
    recorded_by: Literal["agent", "routing"] = "agent"  # routing: inferred from a completed callback task
    next_due_at: datetime | None = None  # when a retry is scheduled


class CallbackCompleted(CallbackEvent):
    """The member was reached."""

    name = "callbacks.callback.completed"
    agent_id: uuid.UUID | None = None  # who reached the member


class CallbackExpired(CallbackEvent):
    """Window or deadline passed, or attempts ran out, without reaching the member.

    Also published (with status "failed", reason "wrong_number") when the number proved wrong,
    so every closed callback that did not reach the member ends in this one event type.
    """

    name = "callbacks.callback.expired"
    reason: ExpiryReason = "window_passed"  # wrong_number comes with status "failed"


class CallbackAtRisk(CallbackEvent):
    """A callback with a deadline risks missing it: flagged to the team."""

    name = "callbacks.callback.at_risk"
    seconds_left: float | None = None  # until the deadline
    reason: Literal["deadline_near", "no_opening_before_deadline"] = "deadline_near"


class CallbackCancelled(CallbackEvent):
    """Nobody is to call back any more (the member withdrew it, or it was handled otherwise).

    `reason` "call_answered": the live call the callback came from (`callback.original_call_id`)
    was answered, so the member was served; routing drops the task it may hold.
    """

    name = "callbacks.callback.cancelled"
    reason: str | None = None  # free text from the API, or "call_answered"


class CallbackReprioritised(CallbackEvent):
    """A dispatched callback's priority rose (its deadline nears): routing may re-rank the task."""

    name = "callbacks.callback.reprioritised"
    attempt: int  # the dispatch it applies to
