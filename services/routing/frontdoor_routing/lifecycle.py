"""The call lifecycle as the CTI drives it, and offers as agents answer them.

arrived -> queued -> offered -> answered -> (transferred -> queued ...) -> wrap_up -> completed;
abandoned at any point before answer; closed / no_agents / max_wait stated explicitly.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events import routing as ev
from frontdoor_common.logging import get_logger
from frontdoor_routing.engine import Engine, Mutation, TenantState, snapshot, ts
from frontdoor_routing.models import Call, Queue
from frontdoor_routing.schemas import CallCreate, CallView, CompleteIn, TransferIn

log = get_logger(__name__)


class Identification:
    """Who is calling, as the members service answers (or not, in time)."""

    def __init__(self, member_id: uuid.UUID | None = None, candidates: int = 0) -> None:
        self.member_id = member_id
        self.candidates = candidates


async def identify(
    engine: Engine, client: httpx.AsyncClient | None, number: str | None, authorization: str | None
) -> Identification:
    """Look the caller's number up in the members service; a timeout or outage gives nobody."""
    if client is None or not number or not engine.settings.members_url:
        return Identification()
    try:
        response = await client.get(
            f"{engine.settings.members_url}/v1/members/lookup",
            params={"phone": number},
            headers={"Authorization": authorization} if authorization else {},
            timeout=engine.settings.identify_timeout_s,
        )
        if response.status_code != 200:
            return Identification()
        candidates = response.json().get("candidates", [])
        if len(candidates) == 1:
            return Identification(uuid.UUID(str(candidates[0]["member_id"])), 1)
        return Identification(None, len(candidates))
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        log.info("caller identification skipped", error_type=type(exc).__name__)
        return Identification()


def view_of(tenant: TenantState, call: Call, offer_id: uuid.UUID | None = None) -> CallView:
    """The API view: snapshot, outcome, position and estimated wait."""
    outcome: Any = {
        "queued": "queued",
        "offered": "offered",
        "answered": "answered",
        "wrap_up": "ended",
        "completed": "ended",
        "abandoned": "ended",
        "no_agents": "no_agents",
    }.get(call.state, call.state)
    if call.state == "closed":
        outcome = "max_wait" if call.outcome_reason == "max_wait" else "closed"
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
        call=snapshot(call),
        outcome=outcome,
        position=position,
        estimated_wait_seconds=ewt,
        callback_offered=callback,
        offer_id=offer_id,
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


async def _known_agent(m: Mutation, member_id: uuid.UUID | None) -> uuid.UUID | None:
    if member_id is None or m.engine.settings.known_agent_preference_seconds <= 0:
        return None
    since = m.at - timedelta(hours=m.engine.settings.known_agent_memory_hours)
    agent_id = await m.session.scalar(
        select(Call.agent_id)
        .where(
            Call.tenant_id == m.tenant.tenant_id,
            Call.member_id == member_id,
            Call.answered_at >= since,
            Call.agent_id.is_not(None),
        )
        .order_by(Call.answered_at.desc())
        .limit(1)
    )
    return agent_id


async def arrive(engine: Engine, tenant_id: str, body: CallCreate, who: Identification) -> tuple[CallView, bool]:
    """A call comes in: returns its view and whether it was new (a repeated post returns the same call)."""
    async with engine.mutation(tenant_id) as m:
        existing = await m.session.scalar(
            select(Call).where(Call.tenant_id == tenant_id, Call.cti_call_id == body.cti_call_id)
        )
        if existing is not None:
            return view_of(m.tenant, existing), False
        queue = _route_to(m.tenant, body)
        call = Call(
            tenant_id=tenant_id,
            cti_call_id=body.cti_call_id,
            caller_number=body.caller_number,
            language=body.language,
            ivr_digit=body.ivr_digit,
            queue_id=queue.id,
            original_queue_id=queue.id,
            member_id=who.member_id,
            member_candidates=who.candidates,
            priority=body.priority,
            arrived_at=m.at,
            service_level_seconds=queue.service_level_seconds,
            state="arrived",
        )
        m.session.add(call)
        await m.session.flush()
        await m.emit(ev.CallArrived(call=snapshot(call)))
        await _admit(m, call, queue, preferred=await _known_agent(m, who.member_id))
        return view_of(m.tenant, call), True


async def _admit(
    m: Mutation, call: Call, queue: Queue, *, preferred: uuid.UUID | None = None, arrived_at: float | None = None
) -> None:
    """Queue the call, unless the queue is closed or nobody is logged in to take it."""
    if not (m.tenant.open and queue.open):
        call.state, call.outcome_reason = "closed", "closed"
        await m.emit(ev.CallRejected(call=snapshot(call), reason="closed"))
        return
    reachable = [queue.id] + [uuid.UUID(str(q)) for s in queue.overflow for q in s["queue_ids"]]
    if not any(m.tenant.staffed(q) for q in reachable):
        call.state, call.outcome_reason = "no_agents", "no_agents"
        await m.emit(ev.CallRejected(call=snapshot(call), reason="no_agents"))
        return
    call.state = "queued"
    call.queued_at = call.queued_at or m.at
    call.entered_queue_at = m.at
    await m.emit(ev.CallQueued(call=snapshot(call)))
    decisions = m.router.enqueue(
        call.id,
        queue.id,
        m.now,
        arrived_at=arrived_at or ts(call.arrived_at),
        priority=call.priority,
        preferred_agent=preferred,
    )
    await m.apply(decisions)


async def _tenant_call(m: Mutation, call_id: uuid.UUID) -> Call:
    call = await m.session.get(Call, call_id)
    if call is None or call.tenant_id != m.tenant.tenant_id:
        raise NotFound("No such call.", error_id="call_not_found")
    return call


def _not_allowed(call: Call, action: str) -> Conflict:
    return Conflict(
        f"A call in state '{call.state}' cannot be {action}.", error_id="transition_not_allowed", state=call.state
    )


async def _accept(m: Mutation, call: Call, core_offer: int) -> None:
    info = m.tenant.offers.pop(core_offer)
    m.tenant.offers_by_uuid.pop(info.offer_id, None)
    m.tenant.remember_closed_offer(info.offer_id, "accepted")
    m.router.accept(core_offer, m.now)
    m.touched = True
    call.state = "answered"
    call.answered_at = call.answered_at or m.at
    call.leg_answered_at = m.at
    call.agent_id = info.agent_id
    agent = m.tenant.agents.get(info.agent_id)
    call.agent_team_id = agent.team_id if agent else None
    call.updated_at = m.at
    await m.emit(ev.CallAnswered(call=snapshot(call)))


async def get_call(engine: Engine, tenant_id: str, call_id: uuid.UUID) -> CallView:
    """A call's current view."""
    async with engine.reading(tenant_id) as m:
        return view_of(m.tenant, await _tenant_call(m, call_id))


async def accept_offer(engine: Engine, tenant_id: str, offer_id: uuid.UUID) -> CallView:
    """The agent takes the offered call: it is answered."""
    async with engine.mutation(tenant_id) as m:
        core_offer = m.tenant.offers_by_uuid.get(offer_id)
        if core_offer is None:
            if offer_id in m.tenant.closed_offers:
                raise Conflict(
                    f"The offer is no longer open ({m.tenant.closed_offers[offer_id]}).", error_id="offer_not_open"
                )
            raise NotFound("No such offer.", error_id="offer_not_found")
        call = await _tenant_call(m, m.tenant.offers[core_offer].call_id)
        await _accept(m, call, core_offer)
        return view_of(m.tenant, call)


async def reject_offer(engine: Engine, tenant_id: str, offer_id: uuid.UUID) -> CallView:
    """The agent declines: the call waits again and is never offered to them again."""
    async with engine.mutation(tenant_id) as m:
        core_offer = m.tenant.offers_by_uuid.get(offer_id)
        if core_offer is None:
            if offer_id in m.tenant.closed_offers:
                raise Conflict("The offer is no longer open.", error_id="offer_not_open")
            raise NotFound("No such offer.", error_id="offer_not_found")
        call_id = m.tenant.offers[core_offer].call_id
        await m.apply(m.router.reject(core_offer, m.now))
        return view_of(m.tenant, await _tenant_call(m, call_id))


async def answer(engine: Engine, tenant_id: str, call_id: uuid.UUID, agent_id: uuid.UUID | None) -> CallView:
    """The CTI reports the pick-up: accepts the call's open offer (idempotent once answered)."""
    async with engine.mutation(tenant_id) as m:
        call = await _tenant_call(m, call_id)
        if call.state == "answered" and (agent_id is None or agent_id == call.agent_id):
            return view_of(m.tenant, call)
        core_offer = m.router.offer_of(call.id) if call.state == "offered" else None
        if core_offer is None:
            raise _not_allowed(call, "answered")
        if agent_id is not None and m.tenant.offers[core_offer].agent_id != agent_id:
            raise Conflict(
                "The call is offered to another agent.", error_id="offered_to_another_agent", field="agent_id"
            )
        await _accept(m, call, core_offer)
        return view_of(m.tenant, call)


async def transfer(engine: Engine, tenant_id: str, call_id: uuid.UUID, body: TransferIn) -> CallView:
    """Move an answered call to another queue (keeping its arrival time) or out to a number."""
    async with engine.mutation(tenant_id) as m:
        call = await _tenant_call(m, call_id)
        if call.state != "answered" or call.agent_id is None:
            raise _not_allowed(call, "transferred")
        target = None
        if body.queue_id is not None:
            target = m.tenant.queues.get(body.queue_id)
            if target is None or not target.active:
                raise NotFound("No such queue.", error_id="queue_not_found", field="queue_id")
            if target.id == call.queue_id:
                raise InvalidInput("The call is already in that queue.", error_id="same_queue", field="queue_id")
        agent_id = call.agent_id
        from_queue = call.queue_id
        if call.leg_answered_at is not None:
            call.talk_seconds += max(0.0, (m.at - call.leg_answered_at).total_seconds())
        if target is None:
            call.transferred_out = True
            call.resolution = "transferred"
            call.talk_ended_at = m.at
            call.state = "wrap_up"
            await m.emit(
                ev.CallTransferred(
                    call=snapshot(call), from_queue_id=from_queue, to_queue_id=from_queue or uuid.UUID(int=0)
                )
            )
            await m.emit(ev.CallWrapUp(call=snapshot(call)))
            await m.apply(m.router.finish(agent_id, m.now, _wrapup(m, from_queue)))
            return view_of(m.tenant, call)
        call.transfers += 1
        call.queue_id = target.id
        call.agent_id = None
        call.leg_answered_at = None
        await m.emit(
            ev.CallTransferred(
                call=snapshot(call), from_queue_id=from_queue, to_queue_id=target.id, from_agent_id=agent_id
            )
        )
        await m.apply(m.router.finish(agent_id, m.now, _wrapup(m, from_queue)))
        await _admit(m, call, target)
        return view_of(m.tenant, call)


def _wrapup(m: Mutation, queue_id: uuid.UUID | None) -> float:
    queue = m.tenant.queues.get(queue_id) if queue_id else None
    return float(queue.wrapup_seconds) if queue else 0.0


async def complete(engine: Engine, tenant_id: str, call_id: uuid.UUID, body: CompleteIn) -> CallView:
    """The conversation ended: wrap-up starts (completed when it ends)."""
    async with engine.mutation(tenant_id) as m:
        call = await _tenant_call(m, call_id)
        if call.state in ("wrap_up", "completed"):
            return view_of(m.tenant, call)
        if call.state != "answered" or call.agent_id is None:
            raise _not_allowed(call, "completed")
        if call.leg_answered_at is not None:
            call.talk_seconds += max(0.0, (m.at - call.leg_answered_at).total_seconds())
        call.talk_ended_at = m.at
        call.resolution = body.resolution
        call.contact_reason = body.contact_reason
        call.state = "wrap_up"
        call.updated_at = m.at
        await m.emit(ev.CallWrapUp(call=snapshot(call)))
        await m.apply(m.router.finish(call.agent_id, m.now, _wrapup(m, call.queue_id)))
        return view_of(m.tenant, call)


async def abandon(engine: Engine, tenant_id: str, call_id: uuid.UUID) -> CallView:
    """The caller hung up before an agent answered."""
    async with engine.mutation(tenant_id) as m:
        call = await _tenant_call(m, call_id)
        if call.state == "abandoned":
            return view_of(m.tenant, call)
        if call.state not in ("arrived", "queued", "offered"):
            raise _not_allowed(call, "abandoned")
        decisions = m.router.remove_call(call.id, m.now)
        call.state = "abandoned"
        call.abandoned_at = m.at
        call.agent_id = None
        call.updated_at = m.at
        await m.apply(decisions)
        await m.emit(ev.CallAbandoned(call=snapshot(call)))
        return view_of(m.tenant, call)
