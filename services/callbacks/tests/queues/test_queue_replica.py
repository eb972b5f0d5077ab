"""The queue replica: routing's queues, each its tenant's only."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.testing import OTHER_TENANT, TENANT
from frontdoor_common.events.routing import QueueSnapshot, QueueUpserted
from frontdoor_common.testing import eventually, running_app


async def test_a_queue_routing_announces_accepts_callbacks_and_another_tenants_queue_does_not(
    live_app: FastAPI, publish: Any, headers: dict[str, str]
) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    async with running_app(live_app) as client:
        await publish(QueueUpserted(queue=QueueSnapshot(queue_id=mine, tenant_id=TENANT, name="Wages")), TENANT)
        await publish(
            QueueUpserted(queue=QueueSnapshot(queue_id=theirs, tenant_id=OTHER_TENANT, name="Theirs")), OTHER_TENANT
        )

        async def accepted() -> bool:
            r = await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(mine)}, headers=headers
            )
            return r.status_code == 201

        await eventually(accepted, timeout=15)
        refused = await client.post(
            "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(theirs)}, headers=headers
        )
        assert refused.status_code == 422
        assert (refused.json()["field"], refused.json()["error_id"]) == ("queue_id", "unknown_queue")
