"""The meetings notifier: meeting events leave through here, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.models import Meeting
from frontdoor_common.events.agents import (
    MeetingBooked,
    MeetingCancelled,
    MeetingEvent,
    MeetingNoShow,
    MeetingRescheduled,
)
from frontdoor_common.notifier import Notifier, snapshot


class MeetingsNotifier(Notifier):
    """Booked, rescheduled, cancelled and no-show events (ids and times only)."""

    async def _meeting(self, session: AsyncSession, kind: type[MeetingEvent], meeting: Meeting, at: datetime) -> None:
        await self.publish(session, snapshot(kind, meeting, meeting_id=meeting.id, at=at), tenant=meeting.tenant_id)

    async def booked(self, session: AsyncSession, meeting: Meeting, at: datetime) -> None:
        """A meeting was booked."""
        await self._meeting(session, MeetingBooked, meeting, at)

    async def rescheduled(
        self,
        session: AsyncSession,
        meeting: Meeting,
        previous_starts_at: datetime,
        previous_ends_at: datetime,
        at: datetime,
    ) -> None:
        """A meeting moved; it was at [previous_starts_at, previous_ends_at)."""
        event = snapshot(
            MeetingRescheduled,
            meeting,
            meeting_id=meeting.id,
            previous_starts_at=previous_starts_at,
            previous_ends_at=previous_ends_at,
            at=at,
        )
        await self.publish(session, event, tenant=meeting.tenant_id)

    async def cancelled(self, session: AsyncSession, meeting: Meeting, at: datetime) -> None:
        """A meeting was cancelled."""
        await self._meeting(session, MeetingCancelled, meeting, at)

    async def no_show(self, session: AsyncSession, meeting: Meeting, at: datetime) -> None:
        """The member did not come."""
        await self._meeting(session, MeetingNoShow, meeting, at)
