"""Events of routing's tasks on `frontdoor.routing.v1`: a member's email or web-form message in a queue.

Routing makes a task of each `members.message.received` and routes it to agents of the right
queue with the calls' core (an agent holds at most one call and up to their task capacity of
tasks). Every task event carries the task's full snapshot; like the message events, no sender
address, subject or text (an agent reads the message from members). Keyed by task id.
Field names are part of the contract with BI pipelines: extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.events.members import MessageChannel
from frontdoor_common.events.routing import RoutingEvent

TaskState = Literal["queued", "offered", "accepted", "completed", "unrouted"]
# answered: members said the reply was queued; done: the agent closed it without a reply through members
TaskResolution = Literal["answered", "done"]


class TaskSnapshot(BaseModel):
    """A task as routing sees it at the moment of the event."""

    task_id: uuid.UUID
    tenant_id: str
    message_id: uuid.UUID
    channel: MessageChannel
    member_id: uuid.UUID | None = None
    department_id: uuid.UUID | None = None
    reason: str | None = None
    mailbox: str | None = None
    queue_id: uuid.UUID | None = None  # None only while `unrouted` (the tenant had no active queue)
    state: TaskState
    received_at: datetime
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    accepted_at: datetime | None = None
    completed_at: datetime | None = None
    agent_id: uuid.UUID | None = None
    resolution: TaskResolution | None = None
    service_level_seconds: int
    answer_seconds: float | None = None  # received -> completed
    within_service_level: bool | None = None  # once completed


class TaskEvent(RoutingEvent):
    """Base of task events: keyed by task id."""

    task: TaskSnapshot

    def key(self) -> str:
        return str(self.task.task_id)


class TaskQueued(TaskEvent):
    """A message became a task waiting in a queue."""

    name = "routing.task.queued"


class TaskUnrouted(TaskEvent):
    """A message became a task, but the tenant had no active queue to put it in."""

    name = "routing.task.unrouted"


class TaskOffered(TaskEvent):
    """The task was offered to an agent (a lease that ends in accept, decline or timeout)."""

    name = "routing.task.offered"
    offer_id: uuid.UUID
    agent_id: uuid.UUID
    expires_at: datetime


class TaskOfferWithdrawn(TaskEvent):
    """A task offer ended without accept: declined, timed out, cancelled (the task ended) or restart."""

    name = "routing.task.offer_withdrawn"
    offer_id: uuid.UUID
    agent_id: uuid.UUID
    reason: Literal["rejected", "timeout", "cancelled", "restart"]


class TaskAccepted(TaskEvent):
    """An agent took the task: it is theirs until completed."""

    name = "routing.task.accepted"


class TaskCompleted(TaskEvent):
    """The task ended: the reply was queued (`answered`) or the agent closed it (`done`)."""

    name = "routing.task.completed"
