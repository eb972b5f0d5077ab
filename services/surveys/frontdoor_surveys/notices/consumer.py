"""The consumer of the members service's events for surveys: notices (members.notice.requested and
withdrawn) and members' objections to surveys (members.member.objected, art. 21)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.members import NoticeRequested, NoticeWithdrawn
from frontdoor_common.events.privacy import MemberObjected
from frontdoor_surveys.notices.service import NoticeService
from frontdoor_surveys.surveys.service import record_objection


def build_router(notices: NoticeService) -> EventRouter:
    """Handlers for the notices (the consumer's inbox makes a redelivered event change nothing)."""
    router = EventRouter()

    @router.on(NoticeRequested.name)
    async def on_requested(session: AsyncSession, envelope: Envelope) -> None:
        await notices.requested(session, envelope.tenant, NoticeRequested.parse(envelope))

    @router.on(NoticeWithdrawn.name)
    async def on_withdrawn(session: AsyncSession, envelope: Envelope) -> None:
        await notices.withdrawn(session, envelope.tenant, NoticeWithdrawn.parse(envelope))

    @router.on(MemberObjected.name)
    async def on_objected(session: AsyncSession, envelope: Envelope) -> None:
        event = MemberObjected.parse(envelope)
        if event.tenant_id == envelope.tenant and "surveys" in event.to:
            await record_objection(session, event.tenant_id, event.member_id, event.at)

    return router
