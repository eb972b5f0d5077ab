"""The consumer of finished contacts: routing's completed calls and callbacks' completed callbacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.callbacks import CallbackCompleted
from frontdoor_common.events.routing import CallCompleted, CallSnapshot
from frontdoor_common.service import Runtime
from frontdoor_surveys.policy.rules import Contact
from frontdoor_surveys.surveys.service import ContactFinished, consider_contact


def finished_call(call: CallSnapshot, event_time: datetime) -> ContactFinished:
    """What the policy needs of routing's completed call."""
    # A callback task's call and the callback's own completion are one contact: same key.
    source, source_id = ("callback", call.callback_id) if call.callback_id else ("call", call.call_id)
    return ContactFinished(
        tenant_id=call.tenant_id,
        source=source,
        source_id=source_id,
        call_id=call.call_id,
        callback_id=call.callback_id,
        queue_id=call.queue_id,
        agent_id=call.agent_id,
        team_id=call.agent_team_id,
        completed_at=call.completed_at or event_time,
        contact=Contact(
            source=source,  # type: ignore[arg-type]
            number=call.caller_number,
            member_id=call.member_id,
            answered=call.answered_at is not None,
            transferred=call.transferred or call.transfers > 0,
            resolution=call.resolution,
            language=call.language,
        ),
    )


def build_router(runtime: Runtime) -> EventRouter:
    """Handlers for the events that can start a survey (the consumer commits once per event)."""
    router = EventRouter()

    @router.on(CallCompleted.name)
    async def on_call_completed(session: AsyncSession, envelope: Envelope) -> None:
        call = CallCompleted.parse(envelope).call
        await consider_contact(session, runtime, finished_call(call, envelope.time))

    @router.on(CallbackCompleted.name)
    async def on_callback_completed(session: AsyncSession, envelope: Envelope) -> None:
        callback = CallbackCompleted.parse(envelope).callback
        await consider_contact(
            session,
            runtime,
            ContactFinished(
                tenant_id=callback.tenant_id,
                source="callback",
                source_id=callback.callback_id,
                callback_id=callback.callback_id,
                call_id=callback.original_call_id,
                queue_id=callback.queue_id,
                agent_id=callback.agent_id,
                completed_at=envelope.time,
                # The member was reached by the agent who called back; whether it was resolved is not told.
                contact=Contact(
                    source="callback",
                    number=callback.number,
                    member_id=callback.member_id,
                    answered=True,
                    transferred=False,
                    resolution=None,
                ),
            ),
        )

    return router
