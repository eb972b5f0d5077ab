"""Consumes routing's, callbacks' and agents' events (the inbox makes each exactly-once in effect).

- routing.call.completed / abandoned / rejected: the call's contacts end; a completed call is
  counted in the trends (member or not) and becomes a dossier entry when its member is known.
- routing.call.identified: the call is linked to the member as if known from the start.
- callbacks.callback.completed / expired: a dossier entry.
- agents.tenant.settings_changed: the tenant's time zone (trends count local days).
- agents.meeting.booked / rescheduled / cancelled / no_show: a `meeting` dossier entry, and the
  member's confirmation and day-before reminder by SMS (`notices.meetings`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.agents import (
    MeetingBooked,
    MeetingCancelled,
    MeetingEvent,
    MeetingNoShow,
    MeetingRescheduled,
    TenantSettingsChanged,
)
from frontdoor_common.events.callbacks import CallbackCompleted, CallbackExpired, CallbackSnapshot
from frontdoor_common.events.routing import CallAbandoned, CallCompleted, CallEvent, CallIdentified, CallRejected
from frontdoor_members.calls import service as calls
from frontdoor_members.calls.service import EndState
from frontdoor_members.context import MembersContext
from frontdoor_members.dossier import service
from frontdoor_members.notices import meetings
from frontdoor_members.notices.notifier import NoticesNotifier
from frontdoor_members.tenants import service as tenants


def handler(ctx: MembersContext) -> EventRouter:
    """The dossier consumer's handlers, on the service's parts."""
    router = EventRouter()
    country = ctx.settings.default_country

    async def call_ended(session: AsyncSession, envelope: Envelope, event: CallEvent, state: EndState) -> None:
        await calls.ended(
            session,
            ctx.notifier,
            envelope.tenant,
            event.call,
            state,
            envelope.id,
            now=ctx.clock.now(),
            default_country=country,
        )

    @router.on(CallCompleted.name)
    async def call_completed(session: AsyncSession, envelope: Envelope) -> None:
        await call_ended(session, envelope, CallCompleted.parse(envelope), "completed")

    @router.on(CallAbandoned.name)
    async def call_abandoned(session: AsyncSession, envelope: Envelope) -> None:
        await call_ended(session, envelope, CallAbandoned.parse(envelope), "abandoned")

    @router.on(CallRejected.name)
    async def call_rejected(session: AsyncSession, envelope: Envelope) -> None:
        await call_ended(session, envelope, CallRejected.parse(envelope), "rejected")

    @router.on(CallIdentified.name)
    async def call_identified(session: AsyncSession, envelope: Envelope) -> None:
        event = CallIdentified.parse(envelope)
        await calls.identified(
            session,
            ctx.notifier,
            envelope.tenant,
            event.call,
            envelope.id,
            now=ctx.clock.now(),
            default_country=country,
        )

    async def callback_ended(
        session: AsyncSession, envelope: Envelope, callback: CallbackSnapshot, reached: bool
    ) -> None:
        rules = await tenants.rules(session, envelope.tenant, country)
        await service.record_callback(
            session,
            ctx.notifier,
            envelope.tenant,
            callback,
            envelope.id,
            rules.reasons,
            reached=reached,
            now=ctx.clock.now(),
        )

    @router.on(CallbackCompleted.name)
    async def callback_completed(session: AsyncSession, envelope: Envelope) -> None:
        await callback_ended(session, envelope, CallbackCompleted.parse(envelope).callback, True)

    @router.on(CallbackExpired.name)
    async def callback_expired(session: AsyncSession, envelope: Envelope) -> None:
        await callback_ended(session, envelope, CallbackExpired.parse(envelope).callback, False)

    @router.on(TenantSettingsChanged.name)
    async def tenant_settings_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = TenantSettingsChanged.parse(envelope)
        if event.tenant_id == envelope.tenant:
            await tenants.set_zone(session, event.tenant_id, event.timezone, event.country, event.at)

    meeting_writers = meetings.MeetingWriters(
        members_notifier=ctx.notifier,
        notices_notifier=NoticesNotifier.beside(ctx.notifier),
        default_country=country,
        default_timezone=ctx.settings.default_timezone,
    )

    async def meeting(session: AsyncSession, envelope: Envelope, event: MeetingEvent, change: meetings.Change) -> None:
        await meetings.meeting_changed(
            session, meeting_writers, envelope.tenant, event, change, envelope.id, now=ctx.clock.now()
        )

    @router.on(MeetingBooked.name)
    async def meeting_booked(session: AsyncSession, envelope: Envelope) -> None:
        await meeting(session, envelope, MeetingBooked.parse(envelope), "booked")

    @router.on(MeetingRescheduled.name)
    async def meeting_rescheduled(session: AsyncSession, envelope: Envelope) -> None:
        await meeting(session, envelope, MeetingRescheduled.parse(envelope), "rescheduled")

    @router.on(MeetingCancelled.name)
    async def meeting_cancelled(session: AsyncSession, envelope: Envelope) -> None:
        await meeting(session, envelope, MeetingCancelled.parse(envelope), "cancelled")

    @router.on(MeetingNoShow.name)
    async def meeting_no_show(session: AsyncSession, envelope: Envelope) -> None:
        await meeting(session, envelope, MeetingNoShow.parse(envelope), "no_show")

    return router
