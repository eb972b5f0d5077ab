"""The forwards' events (`frontdoor.members.v1`), published through the outbox in the caller's
transaction. Rows become events only here; no summary and no member details travel."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.events import members as ev
from frontdoor_common.notifier import Notifier, snapshot
from frontdoor_members.forwards.models import FollowUp, Forward


def followup_event(kind: type[ev.FollowUpEvent], followup: FollowUp, at: object) -> ev.FollowUpEvent:
    """A follow-up event of `kind` from the row."""
    return snapshot(kind, followup, followup_id=followup.id, at=at)


class ForwardsNotifier(Notifier):
    """Publishes members.enquiry.forwarded and the follow-ups' events."""

    async def forwarded(self, session: AsyncSession, forward: Forward, followup: FollowUp | None) -> None:
        """members.enquiry.forwarded"""
        event = snapshot(
            ev.EnquiryForwarded,
            forward,
            forward_id=forward.id,
            followup_id=followup.id if followup is not None else None,
            at=forward.created_at,
        )
        await self.publish(session, event, tenant=forward.tenant_id)

    async def followup_recorded(self, session: AsyncSession, followup: FollowUp) -> None:
        """members.followup.recorded"""
        event = followup_event(ev.FollowUpRecorded, followup, followup.created_at)
        await self.publish(session, event, tenant=followup.tenant_id)

    async def followup_escalated(self, session: AsyncSession, followup: FollowUp) -> None:
        """members.followup.escalated"""
        event = followup_event(ev.FollowUpEscalated, followup, followup.escalated_at or self.clock.now())
        await self.publish(session, event, tenant=followup.tenant_id)
