"""In-process fan-out of offer notifications to agents' event streams.

A mutation collects its notes (agent, message) and the engine delivers them only after the
commit: an agent never sees an offer the database does not hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

from frontdoor_common.events.routing import CallSnapshot
from frontdoor_routing.engine.tenant import OfferInfo, dt

Message = dict[str, Any]
Note = tuple[uuid.UUID, Message]  # (agent, message for their streams)


def offer_message(info: OfferInfo, call: CallSnapshot | None) -> Message:
    """The `offer` message of an agent's stream."""
    return {
        "event": "offer",
        "data": {
            "offer_id": str(info.offer_id),
            "call_id": str(info.call_id),
            "agent_id": str(info.agent_id),
            "queue_id": str(info.queue_id),
            "expires_at": dt(info.expires_at).isoformat(),
            "call": call.model_dump(mode="json") if call is not None else None,
        },
    }


def withdrawn_message(info: OfferInfo, reason: str) -> Message:
    """The `withdrawn` message of an agent's stream."""
    return {
        "event": "withdrawn",
        "data": {"offer_id": str(info.offer_id), "call_id": str(info.call_id), "reason": reason},
    }


class OfferHub:
    """In-process fan-out of offer notifications to agents' event streams."""

    def __init__(self) -> None:
        self._subscribers: dict[tuple[str, uuid.UUID], set[asyncio.Queue[Message]]] = {}

    def subscribe(self, tenant: str, agent_id: uuid.UUID) -> asyncio.Queue[Message]:
        """A queue that receives this agent's notifications."""
        q: asyncio.Queue[Message] = asyncio.Queue(maxsize=1000)
        self._subscribers.setdefault((tenant, agent_id), set()).add(q)
        return q

    def unsubscribe(self, tenant: str, agent_id: uuid.UUID, q: asyncio.Queue[Message]) -> None:
        """Stop delivering to `q`."""
        subs = self._subscribers.get((tenant, agent_id))
        if subs is not None:
            subs.discard(q)
            if not subs:
                del self._subscribers[(tenant, agent_id)]

    def publish(self, tenant: str, agent_id: uuid.UUID, message: Message) -> None:
        """Deliver to every stream of the agent (dropping for a stream that stopped reading)."""
        for q in self._subscribers.get((tenant, agent_id), ()):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(message)

    def deliver(self, tenant: str, notes: list[Note]) -> None:
        """Deliver a committed change's notes."""
        for agent_id, message in notes:
            self.publish(tenant, agent_id, message)
