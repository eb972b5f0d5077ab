"""Queues ("loops"): POST/GET /v1/queues, GET/PATCH /v1/queues/{id}."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_common.events import routing as ev
from frontdoor_common.models import utcnow
from frontdoor_routing.api.deps import EngineDep, Reader, Writer
from frontdoor_routing.engine import Mutation, queue_rules
from frontdoor_routing.models import Queue
from frontdoor_routing.schemas import QueueCreate, QueuePublic, QueueUpdate

router = APIRouter(prefix="/v1/queues", tags=["queues"])


def public(q: Queue) -> QueuePublic:
    """The API view of a queue."""
    return QueuePublic.model_validate(q, from_attributes=True)


def queue_event(q: Queue) -> ev.QueueUpserted:
    """The event announcing a queue's current settings."""
    return ev.QueueUpserted(
        queue=ev.QueueSnapshot(
            queue_id=q.id,
            tenant_id=q.tenant_id,
            name=q.name,
            ivr_digit=q.ivr_digit,
            language=q.language,
            is_switchboard=q.is_switchboard,
            service_level_seconds=q.service_level_seconds,
            priority=q.priority,
            max_wait_seconds=q.max_wait_seconds,
            callback_offer_seconds=q.callback_offer_seconds,
            wrapup_seconds=q.wrapup_seconds,
            strategy=q.strategy,
            active=q.active,
        )
    )


def _check(m: Mutation, queue_id: uuid.UUID | None, values: dict[str, Any]) -> None:
    digit = values.get("ivr_digit")
    if digit is not None:
        taken = m.tenant.queue_by_digit(digit)
        if taken is not None and taken.id != queue_id:
            raise Conflict(
                f"IVR digit {digit} already leads to queue '{taken.name}'.",
                error_id="ivr_digit_taken",
                field="ivr_digit",
            )
    if values.get("is_switchboard"):
        board = m.tenant.switchboard()
        if board is not None and board.id != queue_id:
            raise Conflict(
                f"Queue '{board.name}' is already the switchboard.",
                error_id="switchboard_taken",
                field="is_switchboard",
            )
    for i, step in enumerate(values.get("overflow") or []):
        for j, target in enumerate(step["queue_ids"]):
            target_id = uuid.UUID(str(target))
            if target_id == queue_id or target_id not in m.tenant.queues:
                raise InvalidInput(
                    "Overflow must name other queues of this tenant.",
                    error_id="unknown_overflow_queue",
                    field=f"overflow.{i}.queue_ids.{j}",
                )


async def save(m: Mutation, q: Queue) -> None:
    """Store a queue, tell the core, publish its settings."""
    m.session.add(q)
    await m.session.flush()
    m.tenant.queues[q.id] = q
    m.router.set_queue(queue_rules(q))
    m.touched = True
    await m.emit(queue_event(q))


@router.post("", status_code=201, response_model=QueuePublic, summary="Create a queue")
async def create_queue(body: QueueCreate, engine: EngineDep, principal: Writer) -> QueuePublic:
    async with engine.mutation(principal.tenant_id) as m:
        values = body.model_dump(mode="json")
        _check(m, None, values)
        q = Queue(tenant_id=principal.tenant_id, **values)
        await save(m, q)
        return public(q)


@router.get("", response_model=list[QueuePublic], summary="The tenant's queues")
async def list_queues(engine: EngineDep, principal: Reader) -> list[QueuePublic]:
    async with engine.reading(principal.tenant_id) as m:
        return [public(q) for q in sorted(m.tenant.queues.values(), key=lambda q: (q.ivr_digit or "~", q.name))]


@router.get("/{queue_id}", response_model=QueuePublic, summary="One queue")
async def get_queue(queue_id: uuid.UUID, engine: EngineDep, principal: Reader) -> QueuePublic:
    async with engine.reading(principal.tenant_id) as m:
        q = m.tenant.queues.get(queue_id)
        if q is None:
            raise NotFound("No such queue.", error_id="queue_not_found")
        return public(q)


@router.patch("/{queue_id}", response_model=QueuePublic, summary="Change a queue's settings")
async def update_queue(queue_id: uuid.UUID, body: QueueUpdate, engine: EngineDep, principal: Writer) -> QueuePublic:
    async with engine.mutation(principal.tenant_id) as m:
        q = await m.session.get(Queue, queue_id)
        if q is None or q.tenant_id != principal.tenant_id:
            raise NotFound("No such queue.", error_id="queue_not_found")
        values = body.model_dump(mode="json", exclude_unset=True)
        _check(m, queue_id, values)
        for key, value in values.items():
            setattr(q, key, value)
        q.updated_at = utcnow()
        await save(m, q)
        return public(q)
