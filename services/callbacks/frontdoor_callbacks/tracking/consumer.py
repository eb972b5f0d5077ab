"""Routing's call events for callback tasks: answered -> in progress; completed -> reached when resolved."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.callbacks import lifecycle
from frontdoor_callbacks.callbacks.models import Callback
from frontdoor_callbacks.callbacks.repository import CallbackRepository
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.served.service import call_answered
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.routing import CallAbandoned, CallAnswered, CallCompleted, CallEvent, CallOffered


async def _callback_of(
    session: AsyncSession, envelope: Envelope, cls: type[CallEvent]
) -> tuple[CallEvent, Callback | None]:
    event: CallEvent = cls.parse(envelope)
    call = event.call
    if call.kind != "callback" or call.callback_id is None:
        return event, None
    cb = await CallbackRepository(session).get(call.tenant_id, call.callback_id, for_update=True)
    if cb is None or not cb.is_open:
        return event, None
    # An event about an earlier dispatch's task (routing_call_id is reset on each dispatch).
    if cb.routing_call_id is not None and cb.routing_call_id != call.call_id:
        return event, None
    return event, cb


def register(router: EventRouter, ctx: CallbacksContext) -> None:
    """Add the call-tracking handlers to the routing-topic consumer."""

    @router.on(CallOffered.name)
    async def offered(session: AsyncSession, envelope: Envelope) -> None:
        event, cb = await _callback_of(session, envelope, CallOffered)
        if cb is not None and cb.status == "dispatched":
            cb.routing_call_id = event.call.call_id
            cb.updated_at = ctx.clock.now()

    async def live_call_answered(session: AsyncSession, event: CallEvent) -> None:
        # A live call an agent answered: its queue callbacks are no longer wanted, whichever
        # arrives first (the request, its dispatch, or this event).
        call = event.call
        if call.kind == "call" and call.answered_at is not None:
            now = ctx.clock.now()
            await call_answered(session, ctx.notifier, call.tenant_id, call.call_id, call.answered_at, now)

    @router.on(CallAnswered.name)
    async def answered(session: AsyncSession, envelope: Envelope) -> None:
        event, cb = await _callback_of(session, envelope, CallAnswered)
        await live_call_answered(session, event)
        if cb is not None and cb.status == "dispatched":
            cb.status = "in_progress"
            cb.routing_call_id = event.call.call_id
            cb.answered_at = event.call.answered_at or ctx.clock.now()
            cb.handling_agent_id = event.call.agent_id
            cb.updated_at = ctx.clock.now()

    @router.on(CallCompleted.name)
    async def completed(session: AsyncSession, envelope: Envelope) -> None:
        event, cb = await _callback_of(session, envelope, CallCompleted)
        await live_call_answered(session, event)
        # Still with routing or an agent means no attempt was recorded for this task.
        if cb is None or cb.status not in ("dispatched", "in_progress") or event.call.resolution is None:
            return
        await lifecycle.record_attempt(
            session,
            cb,
            outcome="reached",
            agent_id=event.call.agent_id,
            note=f"inferred from routing: resolution {event.call.resolution}",
            recorded_by="routing",
            now=ctx.clock.now(),
            settings=ctx.settings,
            notifier=ctx.notifier,
            opening=None,
        )

    @router.on(CallAbandoned.name)
    async def abandoned(session: AsyncSession, envelope: Envelope) -> None:
        # Routing dropped the task before an agent took it: it waits again (no attempt is
        # counted) and the dispatcher hands it out after the retry interval, within hours.
        _event, cb = await _callback_of(session, envelope, CallAbandoned)
        if cb is None or cb.status != "dispatched":
            return
        now = ctx.clock.now()
        cb.status = "scheduled"
        cb.routing_call_id = None
        cb.not_before = now + timedelta(seconds=ctx.settings.retry_interval_s)
        cb.due_at = cb.not_before
        cb.needs_reschedule = True
        cb.updated_at = now
