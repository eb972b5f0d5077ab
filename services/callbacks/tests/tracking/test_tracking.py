"""Routing's call events for a dispatched callback's task, on the real broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.testing import QUEUE, TENANT, add_queue, context, dispatcher, outbox_events, returns
from frontdoor_common.events.routing import CallAnswered, CallCompleted, CallSnapshot, CallState
from frontdoor_common.testing import eventually, running_app


def call(callback_id: str, state: CallState, **kw: Any) -> CallSnapshot:
    return CallSnapshot(
        call_id=kw.pop("call_id", uuid.UUID(int=1)),
        tenant_id=TENANT,
        cti_call_id="task-1",
        kind="callback",
        callback_id=uuid.UUID(callback_id),
        queue_id=QUEUE,
        state=state,
        arrived_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        **kw,
    )


async def test_routing_answering_the_task_puts_it_in_progress_and_a_resolved_completion_counts_as_reached(
    live_app: FastAPI, publish: Any, headers: dict[str, str]
) -> None:
    agent = uuid.uuid4()
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        cb = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()
        await dispatcher(live_app).tick()
        await publish(CallAnswered(call=call(cb["id"], "answered", agent_id=agent)), TENANT)

        async def status() -> str:
            return str((await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()["status"])

        await eventually(lambda: returns(status, "in_progress"), timeout=15)
        await publish(CallCompleted(call=call(cb["id"], "completed", agent_id=agent, resolution="resolved")), TENANT)
        await eventually(lambda: returns(status, "completed"), timeout=15)
        detail = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert [(a["outcome"], a["recorded_by"], a["agent_id"]) for a in detail["attempt_log"]] == [
            ("reached", "routing", str(agent))
        ]
        [completed] = await outbox_events(context(live_app).db, "callbacks.callback.completed")
        assert completed.data["agent_id"] == str(agent)
