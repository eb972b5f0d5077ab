"""The demo tenant's queues (fixed ids, so the other services' demo data can refer to them)."""

from __future__ import annotations

import uuid

from frontdoor_common.service import Runtime
from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_routing.api.queues import save
from frontdoor_routing.engine import Engine
from frontdoor_routing.models import Queue

INVOICES = uuid.UUID("0000000a-0000-4000-8000-000000000001")
WORK = uuid.UUID("0000000a-0000-4000-8000-000000000002")
OTHER = uuid.UUID("0000000a-0000-4000-8000-000000000003")
SWITCHBOARD = uuid.UUID("0000000a-0000-4000-8000-000000000004")

DEMO_QUEUES = [
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
    ),
    dict(id=SWITCHBOARD, name="Switchboard (English)", language="en", is_switchboard=True, wrapup_seconds=10),
]


async def seed_demo(runtime: Runtime) -> None:
    """Create the demo queues once; a second start changes nothing."""
    engine: Engine = runtime.state["engine"]
    async with engine.mutation(DEMO_TENANT_ID) as m:
        for spec in DEMO_QUEUES:
            if await m.session.get(Queue, spec["id"]) is None:
                await save(m, Queue(tenant_id=DEMO_TENANT_ID, **spec))  # type: ignore[arg-type]
