"""Consumes `routing.queue.upserted` into the replica."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.queues.repository import QueueRepository
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.routing import QueueUpserted


def register(router: EventRouter) -> None:
    """Add the replica's handlers to the routing-topic consumer."""

    @router.on(QueueUpserted.name)
    async def queue_upserted(session: AsyncSession, envelope: Envelope) -> None:
        event: QueueUpserted = QueueUpserted.parse(envelope)
        await QueueRepository(session).upsert(event.queue, envelope.time)
