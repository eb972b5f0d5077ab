"""Consumes routing's and callbacks' events into the dossier (the inbox makes it exactly-once in effect)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.callbacks import CallbackCompleted, CallbackExpired
from frontdoor_common.events.routing import CallCompleted
from frontdoor_common.service import ConsumerSpec, Runtime
from frontdoor_members.dossier import service


def handler(runtime: Runtime) -> EventRouter:
    """The dossier consumer's handlers."""
    router = EventRouter()

    @router.on(CallCompleted.name)
    async def call_completed(session: AsyncSession, envelope: Envelope) -> None:
        event = CallCompleted.parse(envelope)
        await service.record_call(session, runtime.outbox, envelope.tenant, event.call, envelope.id)

    @router.on(CallbackCompleted.name)
    async def callback_completed(session: AsyncSession, envelope: Envelope) -> None:
        event = CallbackCompleted.parse(envelope)
        await service.record_callback(
            session, runtime.outbox, envelope.tenant, event.callback, envelope.id, reached=True
        )

    @router.on(CallbackExpired.name)
    async def callback_expired(session: AsyncSession, envelope: Envelope) -> None:
        event = CallbackExpired.parse(envelope)
        await service.record_callback(
            session, runtime.outbox, envelope.tenant, event.callback, envelope.id, reached=False
        )

    return router


CONSUMER = ConsumerSpec(name="dossier", topics=[topics.ROUTING, topics.CALLBACKS], handler=handler)
