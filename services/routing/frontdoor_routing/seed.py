"""The demo tenant's queues (fixed ids, so the other services' demo data can refer to them)."""

from __future__ import annotations

import uuid
from typing import Any

from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_routing.context import RoutingContext
from frontdoor_routing.models import Queue
from frontdoor_routing.queues.service import save

INVOICES = uuid.UUID("0000000a-0000-4000-8000-000000000001")
WORK = uuid.UUID("0000000a-0000-4000-8000-000000000002")
OTHER = uuid.UUID("0000000a-0000-4000-8000-000000000003")
SWITCHBOARD = uuid.UUID("0000000a-0000-4000-8000-000000000004")

DEMO_QUEUES: list[dict[str, Any]] = [
    dict(
        id=INVOICES,
        name="Insurance and invoices",
        ivr_digit="1",
        language="no",
        wrapup_seconds=10,
        callback_offer_seconds=120,
        overflow=[{"after_seconds": 60, "queue_ids": [str(OTHER)]}],
    ),
    dict(
        id=WORK,
        name="Wages and work",
        ivr_digit="2",
        language="no",
        wrapup_seconds=20,
        priority=1,
        callback_offer_seconds=120,
        overflow=[{"after_seconds": 90, "queue_ids": [str(OTHER)]}],
    ),
    dict(
        id=OTHER,
        name="Everything else",
        ivr_digit="3",
        language="no",
        wrapup_seconds=10,
        callback_offer_seconds=180,
        overflow=[{"after_seconds": 60, "queue_ids": [str(INVOICES), str(WORK)]}],
        # members' emails to "kontakt" and every message no other queue takes
        message_mailboxes=["kontakt"],
        message_default=True,
    ),
    dict(id=SWITCHBOARD, name="Switchboard (English)", language="en", is_switchboard=True, wrapup_seconds=10),
]


async def seed_demo(ctx: RoutingContext) -> None:
    """Create the demo queues once; a second start changes nothing."""
    # A second start must not even load the tenant: loading re-offers its waiting calls, and the
    # seed runs before the API listens (no desk could accept them yet).
    async with ctx.db.snapshot() as session:
        present = [await session.get(Queue, spec["id"]) for spec in DEMO_QUEUES]
    if all(q is not None for q in present):
        return
    async with ctx.engine.mutation(DEMO_TENANT_ID) as m:
        for spec in DEMO_QUEUES:
            if await m.get(Queue, spec["id"]) is None:
                await save(m, Queue(tenant_id=DEMO_TENANT_ID, created_at=m.at, updated_at=m.at, **spec))
