"""Queues ("loops"): their settings, checked against the tenant's other queues, kept in the core."""

from __future__ import annotations

import uuid
from typing import Any

from frontdoor_common.errors import Conflict, InvalidInput, NotFound
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.engine.tenant import CLOSED_REASONS, ClosedReason
from frontdoor_routing.models import Queue
from frontdoor_routing.queues.schemas import QueueCreate, QueueUpdate, QueueView
from frontdoor_routing.tasks.service import route_unrouted


def _closed_reason(why: str | None) -> ClosedReason | None:
    if not why:
        return None
    return next((r for r in CLOSED_REASONS if r == why), "hours")


def view(q: Queue, m: Mutation) -> QueueView:
    """The API view of a queue (open now, why not, and when it opens, with the tenant's state)."""
    is_open, why, next_open = m.opening(q)
    return QueueView.model_validate(q, from_attributes=True).model_copy(
        update={"open_now": is_open, "closed_reason": _closed_reason(why), "next_opening_at": next_open}
    )


def check(m: Mutation, queue_id: uuid.UUID | None, values: dict[str, Any]) -> None:
    """Refuse settings that clash with the tenant's other active queues, judged on the result."""
    current = m.queue(queue_id)
    merged: dict[str, Any] = {
        "ivr_digit": current.ivr_digit if current else None,
        "is_switchboard": current.is_switchboard if current else False,
        "active": current.active if current else True,
    }
    merged.update({k: v for k, v in values.items() if k in merged})
    if merged["active"]:
        digit = merged["ivr_digit"]
        taken = m.tenant.queue_by_digit(digit) if digit is not None else None
        if taken is not None and taken.id != queue_id:
            raise Conflict(
                f"IVR digit {digit} already leads to queue '{taken.name}'.",
                error_id="ivr_digit_taken",
                field="ivr_digit",
            )
        board = m.tenant.switchboard() if merged["is_switchboard"] else None
        if board is not None and board.id != queue_id:
            raise Conflict(
                f"Queue '{board.name}' is already the switchboard.",
                error_id="switchboard_taken",
                field="is_switchboard",
            )
    if merged["active"]:
        _check_messages(m, queue_id, current, values)
    for i, step in enumerate(values.get("overflow") or []):
        for j, target in enumerate(step["queue_ids"]):
            target_id = uuid.UUID(str(target))
            if target_id == queue_id or m.queue(target_id) is None:
                raise InvalidInput(
                    "Overflow must name other queues of this tenant.",
                    error_id="unknown_overflow_queue",
                    field=f"overflow.{i}.queue_ids.{j}",
                )


def _check_messages(m: Mutation, queue_id: uuid.UUID | None, current: Queue | None, values: dict[str, Any]) -> None:
    """A mailbox, a reason and `message_default` lead to one active queue at most (the messages' rules)."""
    others = [q for q in m.queues() if q.active and q.id != queue_id]
    mailboxes = values.get("message_mailboxes", current.message_mailboxes if current else [])
    taken = {b.casefold(): q for q in others for b in q.message_mailboxes}
    for i, box in enumerate(mailboxes):
        if box.casefold() in taken:
            raise Conflict(
                f"Mailbox '{box}' already leads to queue '{taken[box.casefold()].name}'.",
                error_id="message_mailbox_taken",
                field=f"message_mailboxes.{i}",
            )
    reasons = values.get("message_reasons", current.message_reasons if current else [])
    held = {r: q for q in others for r in q.message_reasons}
    for i, reason in enumerate(reasons):
        if reason in held:
            raise Conflict(
                f"Reason '{reason}' already leads to queue '{held[reason].name}'.",
                error_id="message_reason_taken",
                field=f"message_reasons.{i}",
            )
    default = values.get("message_default", current.message_default if current else False)
    board = next((q for q in others if q.message_default), None) if default else None
    if board is not None:
        raise Conflict(
            f"Queue '{board.name}' already takes the other messages.",
            error_id="message_default_taken",
            field="message_default",
        )


async def save(m: Mutation, q: Queue) -> None:
    """Store a queue, tell the core, publish its settings; messages that had no queue may have one now."""
    m.touch()
    await m.insert(q)
    m.set_queue(q)
    m.emit(m.notifier.queue_upserted(q))
    if q.active:
        await route_unrouted(m)


async def create_queue(engine: Engine, tenant_id: str, body: QueueCreate) -> QueueView:
    """A new queue."""
    async with engine.mutation(tenant_id) as m:
        values = body.model_dump(mode="json")
        check(m, None, values)
        q = Queue(tenant_id=tenant_id, created_at=m.at, updated_at=m.at, **values)
        await save(m, q)
        return view(q, m)


async def list_queues(engine: Engine, tenant_id: str) -> list[QueueView]:
    """The tenant's queues, by IVR digit then name."""
    async with engine.reading(tenant_id) as m:
        queues = sorted(m.queues(), key=lambda q: (q.ivr_digit or "~", q.name))
        return [view(q, m) for q in queues]


async def get_queue(engine: Engine, tenant_id: str, queue_id: uuid.UUID) -> QueueView:
    """One queue."""
    async with engine.reading(tenant_id) as m:
        q = m.queue(queue_id)
        if q is None:
            raise NotFound("No such queue.", error_id="queue_not_found")
        return view(q, m)


async def update_queue(engine: Engine, tenant_id: str, queue_id: uuid.UUID, body: QueueUpdate) -> QueueView:
    """Change a queue's settings: only the fields given (null clears where it means something)."""
    async with engine.mutation(tenant_id) as m:
        q = await m.get(Queue, queue_id)
        if q is None or q.tenant_id != tenant_id:
            raise NotFound("No such queue.", error_id="queue_not_found")
        values = body.model_dump(mode="json", exclude_unset=True)
        if "overflow" in values and values["overflow"] is None:
            values["overflow"] = []  # null: no overflow steps
        check(m, queue_id, values)
        for key, value in values.items():
            setattr(q, key, value)
        q.updated_at = m.at
        await save(m, q)
        return view(q, m)
