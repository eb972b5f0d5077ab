"""The messages' events (`frontdoor.members.v1`), published through the outbox in the caller's
transaction. Rows become events only here: ids and routing facts, never the address, subject or text."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_members.messages.models import Message


class MessagesNotifier(Notifier):
    """Publishes members.message.received and members.message.answered."""

    async def received(self, session: AsyncSession, message: Message) -> None:
        """members.message.received: routing makes it a task."""
        event = snapshot(ev.MessageReceived, message, message_id=message.id)
        await self.publish(session, event, tenant=message.tenant_id)

    async def answered(self, session: AsyncSession, message: Message, agent_id: uuid.UUID | None) -> None:
        """members.message.answered: routing ends the task."""
        event = snapshot(
            ev.MessageAnswered,
            message,
            message_id=message.id,
            agent_id=agent_id,
            answered_at=message.answered_at or self.clock.now(),
        )
        await self.publish(session, event, tenant=message.tenant_id)
