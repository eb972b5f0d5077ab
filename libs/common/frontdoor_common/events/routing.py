"""Events published by the routing service on `frontdoor.routing.v1`.

Every call event carries the call's full snapshot, so a BI consumer needs no other source.
Field names are part of the contract with BI pipelines: extend, never rename.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event

CallState = Literal[
    "arrived", "queued", "offered", "answered", "wrap_up", "completed", "abandoned", "closed", "no_agents", "callback"
]
Resolution = Literal["resolved", "transferred", "callback_agreed", "awaiting_confirmation", "unresolved"]


class CallSnapshot(BaseModel):
    """A call (or a callback task) as routing sees it at the moment of the event."""

    call_id: uuid.UUID
    tenant_id: str
    cti_call_id: str
    kind: Literal["call", "callback"] = "call"
    caller_number: str | None = None  # E.164 where it parsed (the tenant's country by default)
    caller_suffix: str | None = None  # the switchboard's extension, e.g. "111" of "93704606-111"
    language: str | None = None
    ivr_digit: str | None = None
    queue_id: uuid.UUID | None = None
    original_queue_id: uuid.UUID | None = None
    member_id: uuid.UUID | None = None
    member_candidates: int = 0
    state: CallState
    priority: int = 0
    arrived_at: datetime
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    talk_ended_at: datetime | None = None
    completed_at: datetime | None = None
    abandoned_at: datetime | None = None
    agent_id: uuid.UUID | None = None
    agent_team_id: uuid.UUID | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    wrapup_seconds: float | None = None
    transfers: int = 0
    transferred: bool = False
    transferred_to_number: str | None = None  # the number a transfer out went to
    resolution: Resolution | None = None
    contact_reason: str | None = None
    callback_id: uuid.UUID | None = None
    within_service_level: bool | None = None
    service_level_seconds: int | None = None


class RoutingEvent(Event):
    """Base of the routing service's events."""

    topic = topics.ROUTING


class CallEvent(RoutingEvent):
    """Base of call lifecycle events: keyed by call id."""

    call: CallSnapshot

    def key(self) -> str:
        return str(self.call.call_id)


class CallArrived(CallEvent):
    """A CTI system posted a call (or a callback task was dispatched to a queue)."""

    name = "routing.call.arrived"


class CallQueued(CallEvent):
    """The call waits in a queue."""

    name = "routing.call.queued"


class CallOffered(CallEvent):
    """The call was offered to an agent (a lease that ends in accept, reject or timeout)."""

    name = "routing.call.offered"
    offer_id: uuid.UUID
    agent_id: uuid.UUID
    expires_at: datetime


class OfferWithdrawn(CallEvent):
    """An offer ended without accept: rejected, timed out (the agent is then not responding) or cancelled."""

    name = "routing.offer.withdrawn"
    offer_id: uuid.UUID
    agent_id: uuid.UUID
    reason: Literal["rejected", "timeout", "cancelled", "restart"]


class CallAnswered(CallEvent):
    """An agent answered the call."""

    name = "routing.call.answered"


class CallTransferred(CallEvent):
    """The call moved to another queue (keeps its original arrival time)."""

    name = "routing.call.transferred"
    from_queue_id: uuid.UUID | None
    to_queue_id: uuid.UUID
    from_agent_id: uuid.UUID | None = None  # the agent whose conversation ended with the transfer
    to_number: str | None = None  # out to this number (E.164 when it parses): the call left the platform
    to_agent_id: uuid.UUID | None = None  # offered to this colleague only


class CallWrapUp(CallEvent):
    """The conversation ended; the agent is in wrap-up."""

    name = "routing.call.wrap_up"


class CallCompleted(CallEvent):
    """The call is finished, wrap-up included; resolution and contact reason are set."""

    name = "routing.call.completed"


class CallIdentified(CallEvent):
    """The caller was matched to a member after the call had started (identification retried
    in the background when the members service was slow or down). `call.member_id` is set;
    consumers link the call (dossier entry, survey) as if it had been known from the start."""

    name = "routing.call.identified"


class CallAbandoned(CallEvent):
    """The caller hung up before an agent answered."""

    name = "routing.call.abandoned"


class CallRejected(CallEvent):
    """The call could not queue: closed hours, or nobody logged in to the queue."""

    name = "routing.call.rejected"
    # callback_closed: a queued callback task was cancelled or expired by the callbacks service
    reason: Literal["closed", "no_agents", "max_wait", "callback_closed"]


class QueueSnapshot(BaseModel):
    """A queue's configuration."""

    queue_id: uuid.UUID
    tenant_id: str
    name: str
    ivr_digit: str | None = None
    language: str | None = None
    is_switchboard: bool = False
    service_level_seconds: int = 20
    priority: int = 0
    max_wait_seconds: int | None = None
    callback_offer_seconds: int | None = None
    wrapup_seconds: int = 0
    strategy: str = "longest_idle"
    active: bool = True


class QueueUpserted(RoutingEvent):
    """A queue was created or changed."""

    name = "routing.queue.upserted"
    queue: QueueSnapshot

    def key(self) -> str:
        return str(self.queue.queue_id)
