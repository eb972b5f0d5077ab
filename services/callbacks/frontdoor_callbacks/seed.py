"""The demo tenant's data: the queue replica (so the service works alone) and one scheduled callback."""

from __future__ import annotations

import uuid
from datetime import timedelta

from frontdoor_callbacks.callbacks.models import Callback, open_key
from frontdoor_callbacks.context import CallbacksContext
from frontdoor_callbacks.queues.models import QueueReplica
from frontdoor_callbacks.queues.repository import QueueRepository
from frontdoor_callbacks.scheduling import next_due
from frontdoor_callbacks.settings import (
    DEMO_QUEUE_INVOICES,
    DEMO_QUEUE_OTHER,
    DEMO_QUEUE_SWITCHBOARD,
    DEMO_QUEUE_WAGES,
)
from frontdoor_common.events.routing import QueueSnapshot
from frontdoor_common.settings import DEMO_TENANT_ID

DEMO_QUEUES = [
    QueueSnapshot(
        queue_id=DEMO_QUEUE_INVOICES,
        tenant_id=DEMO_TENANT_ID,
        name="Insurance and invoices",
        ivr_digit="1",
        language="nb",
        callback_offer_seconds=120,
    ),
    QueueSnapshot(
        queue_id=DEMO_QUEUE_WAGES,
        tenant_id=DEMO_TENANT_ID,
        name="Wages and work",
        ivr_digit="2",
        language="nb",
        callback_offer_seconds=120,
    ),
    QueueSnapshot(
        queue_id=DEMO_QUEUE_OTHER,
        tenant_id=DEMO_TENANT_ID,
        name="Everything else",
        ivr_digit="3",
        language="nb",
        callback_offer_seconds=120,
    ),
    QueueSnapshot(
        queue_id=DEMO_QUEUE_SWITCHBOARD,
        tenant_id=DEMO_TENANT_ID,
        name="Switchboard (English)",
        language="en",
        is_switchboard=True,
        callback_offer_seconds=180,
    ),
]
DEMO_CALLBACK_ID = uuid.UUID("0000000c-0000-4000-8000-000000000001")
DEMO_NUMBER = "+4791234567"  # made up


async def seed_demo(ctx: CallbacksContext) -> None:
    """Idempotent: queues are upserted; the demo callback is written once."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        queues = QueueRepository(session)
        for q in DEMO_QUEUES:
            if await session.get(QueueReplica, q.queue_id) is None:
                await queues.upsert(q, now)
    # Hours come from the agents service (or the default): ask outside the transaction.
    window_start, window_end = now + timedelta(days=1), now + timedelta(days=3)
    opening = await ctx.opening.intervals(DEMO_TENANT_ID, DEMO_QUEUE_WAGES, window_start, window_end)
    due = next_due(not_before=now, window_start=window_start, window_end=window_end, deadline=None, opening=opening)
    async with ctx.db.transaction() as session:
        if await session.get(Callback, DEMO_CALLBACK_ID) is not None or due is None:
            return
        key = open_key(DEMO_TENANT_ID, DEMO_NUMBER, DEMO_QUEUE_WAGES)
        cb = Callback(
            id=DEMO_CALLBACK_ID,
            tenant_id=DEMO_TENANT_ID,
            number=DEMO_NUMBER,
            queue_id=DEMO_QUEUE_WAGES,
            source="agent",
            reason="Demo: questions about unpaid overtime; call back tomorrow",
            window_start=window_start,
            window_end=window_end,
            status="scheduled",
            max_attempts=ctx.settings.default_max_attempts,
            priority=ctx.settings.other_callback_priority,
            requested_at=now,
            updated_at=now,
            not_before=now,
            due_at=due,
            open_key=key,
        )
        session.add(cb)
        await session.flush()
        await ctx.notifier.requested(session, cb, updated=False)
