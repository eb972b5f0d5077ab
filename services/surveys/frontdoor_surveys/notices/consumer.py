"""The consumer of the members service's notices (members.notice.requested and withdrawn)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.members import NoticeRequested, NoticeWithdrawn
from frontdoor_surveys.notices.service import NoticeService


def build_router(notices: NoticeService) -> EventRouter:
    """Handlers for the notices (the consumer's inbox makes a redelivered event change nothing)."""
    router = EventRouter()

    @router.on(NoticeRequested.name)
    async def on_requested(session: AsyncSession, envelope: Envelope) -> None:
        await notices.requested(session, envelope.tenant, NoticeRequested.parse(envelope))

    @router.on(NoticeWithdrawn.name)
    async def on_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
        await notices.withdrawn(session, envelope.tenant, NoticeWithdrawn.parse(envelope))

    return router
