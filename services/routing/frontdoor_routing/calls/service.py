"""The call lifecycle as the CTI drives it.

arrived -> queued -> offered -> answered -> (transferred -> queued ...) -> wrap_up -> completed;
abandoned at any point before answer; closed / no_agents / max_wait stated explicitly.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events import routing as ev
from frontdoor_common.logging import get_logger
from frontdoor_routing.auth import not_holder
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.numbers import normalise
from frontdoor_routing.calls.schemas import (
    CallCreate,
    CallView,
    CompletionCreate,
    Outcome,
    TransferCreate,
)
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.tenant import CLOSED_REASONS, ClosedReason, OfferInfo, TenantState
from frontdoor_routing.models import Call, Queue
from frontdoor_routing.notifier import call_snapshot

log = get_logger(__name__)

OUTCOMES: dict[str, Outcome] = {
    "queued": "queued",
    "offered": "offered",
    "answered": "answered",
    "wrap_up": "ended",
    "completed": "ended",
    "abandoned": "ended",
    "no_agents": "no_agents",
    "closed": "closed",
}


def _closed_reason(call: Call) -> ClosedReason | None:
    if call.state != "closed":
        return None
    return next((r for r in CLOSED_REASONS if r == call.outcome_reason), None)


def _outcome(call: Call) -> Outcome:
    if call.state == "closed" and call.outcome_reason == "max_wait":
        return "max_wait"
    # "arrived" and "callback" are never shown: a call leaves `arrived` in the change that made it.
    return OUTCOMES.get(call.state, "queued")


def view_of(m: Mutation, call: Call, offer_id: uuid.UUID | None = None) -> CallView:
    """The API view: snapshot, outcome, position and estimated wait."""
    tenant = m.tenant
    position = ewt = None
    callback = False
    if call.state in ("queued", "offered") and call.queue_id is not None:
        position = tenant.router.position(call.id)
        ewt = tenant.estimated_wait(call.queue_id, position)
        queue = tenant.queues.get(call.queue_id)
        if queue is not None and queue.callback_offer_seconds is not None and ewt is not None:
            callback = ewt >= queue.callback_offer_seconds
    if offer_id is None and call.state == "offered":
        core_id = tenant.router.offer_of(call.id)
        info = tenant.offers.get(core_id) if core_id is not None else None
        offer_id = info.offer_id if info else None
    return CallView(
        call=call_snapshot(call),
        outcome=_outcome(call),
        position=position,
        estimated_wait_seconds=ewt,
        callback_offered=callback,
        offer_id=offer_id,
        caller_suffix=call.caller_suffix,
        closed_reason=_closed_reason(call),
    )


def _route_to(tenant: TenantState, body: CallCreate) -> Queue:
    if body.queue_id is not None:
        queue = tenant.queues.get(body.queue_id)
        if queue is None or not queue.active:
            raise NotFound("No such queue.", error_id="queue_not_found", field="queue_id")
        return queue
    if body.language == "en":
        queue = tenant.switchboard()
        if queue is None:
            raise InvalidInput(
                "The tenant has no switchboard queue for English callers.", error_id="no_switchboard", field="language"
            )
        return queue
    queue = tenant.queue_by_digit(str(body.ivr_digit))
    if queue is None:
        raise InvalidInput(
            f"No queue answers IVR digit {body.ivr_digit}.", error_id="unknown_ivr_digit", field="ivr_digit"
        )
    return queue


async def _known_agent(engine: Engine, m: Mutation, member_id: uuid.UUID | None) -> uuid.UUID | None:
    """The agent who last answered this member (within the memory window), if preference is on."""
    settings = engine.settings
    if member_id is None or settings.known_agent_preference_seconds <= 0:
        return None
    since = m.at - timedelta(hours=settings.known_agent_memory_hours)
    return await m.first(
        select(col(Call.agent_id))
        .where(
            col(Call.tenant_id) == m.tenant_id,
            col(Call.member_id) == member_id,
            col(Call.answered_at) >= since,
            col(Call.agent_id).is_not(None),
        )
        .order_by(col(Call.answered_at).desc())
        .limit(1)
    )


async def arrive(engine: Engine, tenant_id: str, body: CallCreate, who: Identification) -> tuple[CallView, bool]:
    """A call comes in: returns its view and whether it was new (a repeated post returns the same call)."""
    async with engine.mutation(tenant_id) as m:
        existing = await m.first(
            select(Call).where(col(Call.tenant_id) == tenant_id, col(Call.cti_call_id) == body.cti_call_id)
        )
        if existing is not None:
            return view_of(m, existing), False
        queue = _route_to(m.tenant, body)
        number, suffix = normalise(body.caller_number, m.country)
        call = Call(
            tenant_id=tenant_id,
            cti_call_id=body.cti_call_id,
            caller_number=number,
            caller_suffix=suffix,
            language=body.language,
            ivr_digit=body.ivr_digit,
            queue_id=queue.id,
            original_queue_id=queue.id,
            member_id=who.member_id,
            member_candidates=who.candidates,
            identify_result=who.result,
            priority=body.priority,
            arrived_at=m.at,
            updated_at=m.at,
            service_level_seconds=queue.service_level_seconds,
            state="arrived",
        )
        await m.insert(call)
        m.publish(ev.CallArrived, call)
        await admit(m, call, queue, preferred=await _known_agent(engine, m, who.member_id))
        return view_of(m, call), True


async def admit(
    m: Mutation,
    call: Call,
    queue: Queue,
    *,
    preferred: uuid.UUID | None = None,
    arrived_at: float | None = None,
    offer_to: uuid.UUID | None = None,
) -> None:
    """Queue the call, unless the queue is closed or nobody is logged in to take it.

    `offer_to`: a colleague the call was transferred to (offered to them first, see the core)."""
    is_open, why, _next = m.opening(queue)
    if not is_open:
        # The reason says why: hours, holiday, closure or manual (from the opening events).
        call.state, call.outcome_reason = "closed", why or "hours"
        m.publish(ev.CallRejected, call, reason="closed")
        return
    reachable = [queue.id] + [uuid.UUID(str(q)) for s in queue.overflow for q in s["queue_ids"]]
    if not any(m.staffed(q) for q in reachable):
        call.state, call.outcome_reason = "no_agents", "no_agents"
        m.publish(ev.CallRejected, call, reason="no_agents")
        return
    call.state = "queued"
    call.queued_at = call.queued_at or m.at
    call.entered_queue_at = m.at
    m.publish(ev.CallQueued, call)
    await m.enqueue(call, queue.id, arrived_at=arrived_at, preferred=preferred, offer_to=offer_to)


async def tenant_call(m: Mutation, call_id: uuid.UUID) -> Call:
    """The tenant's call (404 for another tenant's)."""
    call = await m.get(Call, call_id)
    if call is None or call.tenant_id != m.tenant_id:
        raise NotFound("No such call.", error_id="call_not_found")
    return call


def _not_allowed(call: Call, action: str) -> Conflict:
    return Conflict(
        f"A call in state '{call.state}' cannot be {action}.", error_id="transition_not_allowed", state=call.state
    )


def accept(m: Mutation, call: Call, offer: OfferInfo) -> None:
    """The offer is taken (by the desk or the CTI's pick-up): the call is answered."""
    m.accept(offer)
    call.state = "answered"
    call.answered_at = call.answered_at or m.at
    call.leg_answered_at = m.at
    call.agent_id = offer.agent_id
    call.agent_team_id = m.team_of(offer.agent_id)
    call.updated_at = m.at
    m.publish(ev.CallAnswered, call)


async def get_call(engine: Engine, tenant_id: str, call_id: uuid.UUID) -> CallView:
    """A call's current view."""
    async with engine.reading(tenant_id) as m:
        return view_of(m, await tenant_call(m, call_id))


async def answer(engine: Engine, tenant_id: str, call_id: uuid.UUID, agent_id: uuid.UUID | None) -> CallView:
    """The CTI reports the pick-up: accepts the call's open offer (idempotent once answered)."""
    async with engine.mutation(tenant_id) as m:
        call = await tenant_call(m, call_id)
        if call.state == "answered" and (agent_id is None or agent_id == call.agent_id):
            return view_of(m, call)
        offer = m.offer_of(call.id) if call.state == "offered" else None
        if offer is None:
            raise _not_allowed(call, "answered")
        if agent_id is not None and offer.agent_id != agent_id:
            raise Conflict(
                "The call is offered to another agent.", error_id="offered_to_another_agent", field="agent_id"
            )
        accept(m, call, offer)
        return view_of(m, call)


def _talk_ends(m: Mutation, call: Call) -> None:
    if call.leg_answered_at is not None:
        call.talk_seconds += max(0.0, (m.at - call.leg_answered_at).total_seconds())


def _colleague(m: Mutation, call: Call, colleague: uuid.UUID) -> uuid.UUID:
    """The named colleague of a transfer: the tenant's (404 otherwise), not the one who holds the call."""
    if not m.knows_agent(colleague):
        # Another tenant's agent is not this tenant's: the same 404 as an id that names no one.
        raise NotFound("No such agent.", error_id="agent_not_found", field="agent_id")
    if colleague == call.agent_id:
        raise InvalidInput(
            "The call cannot be transferred to the agent who holds it.", error_id="transfer_to_self", field="agent_id"
        )
    return colleague


async def transfer(
    engine: Engine, tenant_id: str, call_id: uuid.UUID, body: TransferCreate, *, as_agent: uuid.UUID | None = None
) -> CallView:
    """Move an answered call to another queue (keeping its arrival time), out to a number, or to a
    named colleague (offered to them only; else it waits in its queue at its place).

    `as_agent`: only if this agent holds the call. Every refusal comes before anything moves."""
    async with engine.mutation(tenant_id) as m:
        call = await tenant_call(m, call_id)
        agent_id = call.agent_id
        if call.state != "answered" or agent_id is None:
            raise _not_allowed(call, "transferred")
        if as_agent is not None and as_agent != agent_id:
            raise not_holder("call")
        colleague = _colleague(m, call, body.agent_id) if body.agent_id is not None else None
        target = None
        if body.queue_id is not None:
            target = m.queue(body.queue_id)
            if target is None or not target.active:
                raise NotFound("No such queue.", error_id="queue_not_found", field="queue_id")
            if target.id == call.queue_id and colleague is None:
                raise InvalidInput("The call is already in that queue.", error_id="same_queue", field="queue_id")
        elif colleague is not None:
            target = m.queue(call.queue_id)
            if target is None or not target.active:
                raise InvalidInput(
                    "The call's queue is gone: name the queue it waits in if the colleague does not take it.",
                    error_id="queue_required",
                    field="queue_id",
                )
        from_queue = call.queue_id
        # out to a number: E.164 in the tenant's country when it parses (as caller numbers are), else as typed
        number = normalise(body.number, m.tenant.country)[0] if body.number is not None else None
        _talk_ends(m, call)
        if target is None:
            call.transferred_out = True
            call.transferred_to_number = number
            call.resolution = "transferred"
            call.contact_reason = body.contact_reason
            call.talk_ended_at = m.at
            call.state = "wrap_up"
            m.publish(
                ev.CallTransferred,
                call,
                from_queue_id=from_queue,
                to_queue_id=from_queue or uuid.UUID(int=0),
                from_agent_id=agent_id,
                to_number=number,
            )
            m.publish(ev.CallWrapUp, call)
            await m.finish(agent_id, m.wrapup_of(from_queue))
            return view_of(m, call)
        call.transfers += 1
        call.queue_id = target.id
        call.agent_id = None
        call.leg_answered_at = None
        m.publish(
            ev.CallTransferred,
            call,
            from_queue_id=from_queue,
            to_queue_id=target.id,
            from_agent_id=agent_id,
            to_agent_id=colleague,
        )
        await m.finish(agent_id, m.wrapup_of(from_queue))
        await admit(m, call, target, offer_to=colleague)
        return view_of(m, call)


async def complete(
    engine: Engine, tenant_id: str, call_id: uuid.UUID, body: CompletionCreate, *, as_agent: uuid.UUID | None = None
) -> CallView:
    """The conversation ended: wrap-up starts (completed when it ends). `as_agent`: only if this agent holds it."""
    async with engine.mutation(tenant_id) as m:
        call = await tenant_call(m, call_id)
        agent_id = call.agent_id
        if call.state in ("wrap_up", "completed"):
            if as_agent is not None and as_agent != agent_id:
                raise not_holder("call")
            return view_of(m, call)
        if call.state != "answered" or agent_id is None:
            raise _not_allowed(call, "completed")
        if as_agent is not None and as_agent != agent_id:
            raise not_holder("call")
        _talk_ends(m, call)
        call.talk_ended_at = m.at
        call.resolution = body.resolution
        call.contact_reason = body.contact_reason
        call.state = "wrap_up"
        call.updated_at = m.at
        m.publish(ev.CallWrapUp, call)
        await m.finish(agent_id, m.wrapup_of(call.queue_id))
        return view_of(m, call)


async def abandon(engine: Engine, tenant_id: str, call_id: uuid.UUID) -> CallView:
    """The caller hung up before an agent answered."""
    async with engine.mutation(tenant_id) as m:
        call = await tenant_call(m, call_id)
        if call.state == "abandoned":
            return view_of(m, call)
        if call.state not in ("arrived", "queued", "offered"):
            raise _not_allowed(call, "abandoned")
        if call.kind == "callback" and call.state in ("queued", "offered"):
            # A caller who left a queue callback hangs up on purpose: the task keeps its place
            # (it is the callback now); nobody abandoned anything.
            log.info("caller left for a queue callback; the task keeps its place", call_id=str(call.id))
            return view_of(m, call)
        decisions = m.remove_call(call.id)
        call.state = "abandoned"
        call.abandoned_at = m.at
        call.agent_id = None
        call.updated_at = m.at
        await m.apply(decisions)
        m.publish(ev.CallAbandoned, call)
        return view_of(m, call)
