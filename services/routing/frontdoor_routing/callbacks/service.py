"""Callbacks in the queues: a dispatched callback waits as a task (keeping the caller's place
when there was one); a callback closed elsewhere leaves the queue."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlmodel import col

from frontdoor_common.events import routing as ev
from frontdoor_common.events.callbacks import CallbackDispatched
from frontdoor_common.logging import get_logger
from frontdoor_routing.calls.numbers import normalise
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.tenant import ts
from frontdoor_routing.models import Call
from frontdoor_routing.stats.kpis import TASK_PREFIX

log = get_logger(__name__)

# How long a callback task waits for the agent who booked it before anyone may take it.
BOOKED_AGENT_WINDOW_SECONDS = 120.0


async def dispatch_callback(m: Mutation, event: CallbackDispatched) -> None:
    """Queue a due callback as a task, keeping the original call's place when it had one."""
    cb = event.callback
    cti_id = f"{TASK_PREFIX}{cb.callback_id}:{event.attempt}"
    if await m.first(select(col(Call.id)).where(col(Call.tenant_id) == cb.tenant_id, col(Call.cti_call_id) == cti_id)):
        return  # this attempt is already queued
    if cb.original_call_id is not None:
        original = await m.get(Call, cb.original_call_id)
        if original is not None and original.tenant_id == cb.tenant_id and original.state in ("queued", "offered"):
            # The caller is still in the queue: the waiting entry becomes the callback, same place.
            original.kind = "callback"
            original.callback_id = cb.callback_id
            return
        if (
            original is not None
            and original.tenant_id == cb.tenant_id
            and original.state in ("answered", "wrap_up", "completed")
        ):
            # The caller got through before the callback reached routing: nobody to call back
            # (the callbacks service closes it as call_answered); queue no task.
            log.info("callback for a call already answered; no task", callback_id=str(cb.callback_id))
            return
        back = m.queue(original.queue_id) if original is not None else None
        if (
            original is not None
            and back is not None
            and original.tenant_id == cb.tenant_id
            and original.state == "abandoned"
            and original.kind == "call"
        ):
            # The caller hung up before the callback reached routing: the same entry comes
            # back as the callback, at the place its arrival gives it, and is no abandoned call.
            original.kind, original.callback_id = "callback", cb.callback_id
            original.state, original.abandoned_at, original.agent_id = "queued", None, None
            original.entered_queue_at, original.updated_at = m.at, m.at
            m.publish(ev.CallQueued, original)
            await m.enqueue(original, back.id)
            return
    queue = m.queue(cb.queue_id)
    if queue is None:
        log.warning("callback for an unknown queue", callback_id=str(cb.callback_id), queue_id=str(cb.queue_id))
        return
    arrived = cb.original_arrived_at or cb.due_at or m.at
    number, suffix = normalise(cb.number or None, m.country)  # "": its key was erased
    call = Call(
        tenant_id=cb.tenant_id,
        cti_call_id=cti_id,
        kind="callback",
        caller_number=number,
        caller_suffix=suffix,
        queue_id=queue.id,
        original_queue_id=queue.id,
        member_id=cb.member_id,
        priority=cb.priority,
        arrived_at=arrived,
        updated_at=m.at,
        callback_id=cb.callback_id,
        service_level_seconds=queue.service_level_seconds,
    )
    await m.insert(call)
    m.publish(ev.CallArrived, call)
    call.state, call.queued_at, call.entered_queue_at = "queued", m.at, m.at
    m.publish(ev.CallQueued, call)
    preferred = cb.agent_id if cb.agent_id is not None and m.knows_agent(cb.agent_id) else None
    await m.enqueue(
        call,
        queue.id,
        arrived_at=ts(arrived),
        preferred=preferred,
        preference_window=BOOKED_AGENT_WINDOW_SECONDS if preferred else None,
    )


async def close_callback_task(m: Mutation, callback_id: uuid.UUID) -> None:
    """A callback closed elsewhere (cancelled, expired) leaves the queue if it still waits there."""
    calls = await m.all(
        select(Call).where(
            col(Call.tenant_id) == m.tenant_id,
            col(Call.callback_id) == callback_id,
            col(Call.state).in_(("queued", "offered")),
        )
    )
    for call in calls:
        decisions = m.remove_call(call.id)
        call.state, call.outcome_reason, call.agent_id, call.updated_at = "closed", "callback_closed", None, m.at
        await m.apply(decisions)
        m.publish(ev.CallRejected, call, reason="callback_closed")
