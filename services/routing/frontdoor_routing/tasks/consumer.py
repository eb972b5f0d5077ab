"""The members service's message events routing acts on: a message received (a task), answered (it ends)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.members import MessageAnswered, MessageReceived
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.tasks.service import message_answered, receive_message


def register(router: EventRouter, engine: Engine) -> None:
    """Handle received and answered messages (only the envelope's own tenant)."""

    @router.on(MessageReceived.name)
    async def received(session: AsyncSession, envelope: Envelope) -> None:
        event = MessageReceived.model_validate(envelope.data)
        if event.tenant_id == envelope.tenant:
            await receive_message(engine.mutation_in(session), event)

    @router.on(MessageAnswered.name)
    async def answered(session: AsyncSession, envelope: Envelope) -> None:
        event = MessageAnswered.model_validate(envelope.data)
        if event.tenant_id == envelope.tenant:
            await message_answered(engine.mutation_in(session), event)
