"""The notices' events (`frontdoor.members.v1`): members.notice.requested and withdrawn, through
the outbox in the caller's transaction. The one place a notice row becomes its event.

A requested notice carries the member's number and the text sent to them: both are sealed under
the member's key (`member_subject`), so erasing the member makes every copy unreadable; the SMS
gateway (surveys) opens them while the key exists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.clock import Clock
from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_common.privacy.seal import Sealer, member_subject
from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.notifier import MembersNotifier


class NoticesNotifier(Notifier):
    """Publishes members.notice.requested and members.notice.withdrawn, `to` and `body` sealed
    with the runtime's sealer (handed in)."""

    def __init__(self, outbox: Outbox, clock: Clock, sealer: Sealer) -> None:
        super().__init__(outbox, clock)
        self.sealer = sealer

    @classmethod
    def beside(cls, other: MembersNotifier) -> NoticesNotifier:
        """A notices notifier on the members notifier's outbox and clock, sealing with its sealer
        (the courses' writers and the consumer carry the members notifier; this saves threading a
        second one through them)."""
        return cls(other.outbox, other.clock, other.sealer)

    async def requested(self, session: AsyncSession, notice: MemberNotice) -> None:
        """members.notice.requested (`to` and `body` sealed under the member's key)."""
        sealer, subject = self.sealer, member_subject(notice.member_id)
        to = await sealer.seal(session, notice.tenant_id, subject, notice.to_number)
        body = await sealer.seal(session, notice.tenant_id, subject, notice.body)
        event = snapshot(ev.NoticeRequested, notice, notice_id=notice.id, to=to, body=body, at=notice.created_at)
        await self.publish(session, event, tenant=notice.tenant_id)

    async def withdrawn(self, session: AsyncSession, notice: MemberNotice, at: datetime) -> None:
        """members.notice.withdrawn"""
        event = snapshot(ev.NoticeWithdrawn, notice, notice_id=notice.id, at=at)
        await self.publish(session, event, tenant=notice.tenant_id)
