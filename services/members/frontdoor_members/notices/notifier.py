"""The notices' events (`frontdoor.members.v1`): members.notice.requested and withdrawn, through
the outbox in the caller's transaction. The one place a notice row becomes its event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_members.notices.models import MemberNotice


class NoticesNotifier(Notifier):
    """Publishes members.notice.requested and members.notice.withdrawn."""

    @classmethod
    def beside(cls, other: Notifier) -> NoticesNotifier:
        """A notices notifier on `other`'s outbox and clock (the courses' writers and the consumer
        carry the members notifier; this saves threading a second one through them)."""
        return cls(other.outbox, other.clock)

    async def requested(self, session: AsyncSession, notice: MemberNotice) -> None:
        """members.notice.requested"""
        event = snapshot(ev.NoticeRequested, notice, notice_id=notice.id, to=notice.to_number, at=notice.created_at)
        await self.publish(session, event, tenant=notice.tenant_id)

    async def withdrawn(self, session: AsyncSession, notice: MemberNotice, at: datetime) -> None:
        """members.notice.withdrawn"""
        event = snapshot(ev.NoticeWithdrawn, notice, notice_id=notice.id, at=at)
        await self.publish(session, event, tenant=notice.tenant_id)
