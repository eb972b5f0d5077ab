"""Events published by the callbacks service on `frontdoor.callbacks.v1`.

Routing consumes `callbacks.callback.dispatched` and queues the callback as a task.
Extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

CallbackStatus = Literal["pending", "scheduled", "dispatched", "completed", "failed", "expired", "cancelled"]
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


class CallbackEvent(Event):
    """Base of callback events: keyed by callback id."""

    topic = topics.CALLBACKS
    callback: CallbackSnapshot

    def key(self) -> str:
        return str(self.callback.callback_id)


class CallbackRequested(CallbackEvent):
    """A callback was requested (or an existing pending one for the number and queue updated)."""

    name = "callbacks.callback.requested"


class CallbackDispatched(CallbackEvent):
    """The callback is due: routing queues it as a task and offers it like a call."""

    name = "callbacks.callback.dispatched"
    attempt: int


class CallbackAttempted(CallbackEvent):
    """An agent tried the number."""

    name = "callbacks.callback.attempted"
    outcome: AttemptOutcome
    agent_id: uuid.UUID | None = None


class CallbackCompleted(CallbackEvent):
    """The member was reached."""

    name = "callbacks.callback.completed"


class CallbackExpired(CallbackEvent):
    """Window or deadline passed, or attempts ran out, without reaching the member."""

    name = "callbacks.callback.expired"


class CallbackAtRisk(CallbackEvent):
    """A callback with a deadline risks missing it: flagged to the team."""

    name = "callbacks.callback.at_risk"
