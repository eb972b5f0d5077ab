"""Dispatchers ticking at once (two replicas): one dispatch per due callback."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from frontdoor_callbacks.testing import QUEUE, TENANT, add_queue, context, dispatcher, outbox_events, second_dispatcher
from frontdoor_common.testing import running_app


async def test_two_dispatchers_ticking_at_once_hand_out_a_due_callback_once(
    app: FastAPI, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        for n in range(5):
            body = {"source": "web", "number": f"9123456{n}", "queue_id": str(QUEUE)}
            r = await client.post("/v1/callbacks", json=body, headers=headers)
            assert r.status_code == 201
        other = second_dispatcher(app)  # as in a second replica of the service
        results = await asyncio.gather(dispatcher(app).tick(), other.tick(), dispatcher(app).tick(), other.tick())
        handed_out = [cb for result in results for cb in result.dispatched]
        assert len(handed_out) == len(set(handed_out)) == 5
        assert len(await outbox_events(context(app).db, "callbacks.callback.dispatched")) == 5
