"""The consumer of finished contacts: routing's completed calls and callbacks' completed callbacks.

The numbers come sealed (`sealed:v1:...`, issue 17): they are opened with the unsealer before the
policy sees them. A number whose key was erased (the caller was erased) makes a contact that is
recorded as skipped ("erased") and gets no SMS; a producer that cannot be reached raises
`UnsealUnavailable` and the consumer retries the event. Plain numbers (older events) pass as they are.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.callbacks import CallbackCompleted
from frontdoor_common.events.routing import CallCompleted, CallIdentified, CallSnapshot
from frontdoor_common.privacy.seal import Unsealer
from frontdoor_surveys.policy.rules import Contact
from frontdoor_surveys.surveys.contacts import ContactFinished
from frontdoor_surveys.surveys.service import SurveyService


def contact_key(call: CallSnapshot) -> str:
    """The contact a call belongs to: a callback task's call is the callback's contact."""
    return f"callback:{call.callback_id}" if call.callback_id else f"call:{call.call_id}"


def finished_call(call: CallSnapshot, event_time: datetime) -> ContactFinished:
    """What the policy needs of routing's completed call."""
    # A callback task's call and the callback's own completion are one contact: same key.
    source: Literal["call", "callback"] = "callback" if call.callback_id else "call"
    source_id = call.callback_id or call.call_id
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
            source=source,
            number=call.caller_number,
            member_id=call.member_id,
            answered=call.answered_at is not None,
            transferred=call.transferred or call.transfers > 0,
            resolution=call.resolution,
            language=call.language,
        ),
    )


async def opened(unsealer: Unsealer, session: AsyncSession, finished: ContactFinished) -> ContactFinished:
    """The contact with its number opened: erased when a sealed number's key is gone (raises
    `UnsealUnavailable` when the producer cannot be reached: the consumer retries)."""
    sealed = finished.contact.number
    number = await unsealer.unseal(session, finished.tenant_id, sealed)
    erased = sealed is not None and number is None
    return replace(finished, contact=replace(finished.contact, number=number), erased=erased)


def build_router(surveys: SurveyService, unsealer: Unsealer) -> EventRouter:
    """Handlers for the events that can start a survey (the consumer commits once per event)."""
    router = EventRouter()

    @router.on(CallCompleted.name)
    async def on_call_completed(session: AsyncSession, envelope: Envelope) -> None:
        call = CallCompleted.parse(envelope).call
        await surveys.consider_contact(session, await opened(unsealer, session, finished_call(call, envelope.time)))

    @router.on(CallIdentified.name)
    async def on_call_identified(session: AsyncSession, envelope: Envelope) -> None:
        # The member was found after the call started (members was slow or down); either order
        # with routing.call.completed works, and a redelivery changes nothing.
        call = CallIdentified.parse(envelope).call
        if call.member_id is None:
            return
        await surveys.contact_identified(
            session, tenant_id=call.tenant_id, source_key=contact_key(call), member_id=call.member_id
        )

    @router.on(CallbackCompleted.name)
    async def on_callback_completed(session: AsyncSession, envelope: Envelope) -> None:
        callback = CallbackCompleted.parse(envelope).callback
        finished = ContactFinished(
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
        )
        await surveys.consider_contact(session, await opened(unsealer, session, finished))

    return router
