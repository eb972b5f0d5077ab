"""Simultaneous requests for one number and queue: one callback."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from frontdoor_callbacks.testing import QUEUE, TENANT, add_queue
from frontdoor_common.testing import running_app


async def test_simultaneous_requests_for_one_number_and_queue_make_one_callback(
    app: FastAPI, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        bodies = [{"source": "web", "number": n, "queue_id": str(QUEUE)} for n in ("91234567", "+4791234567") * 3]
        answers = await asyncio.gather(*(client.post("/v1/callbacks", json=b, headers=headers) for b in bodies))
        assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
        assert len({r.json()["id"] for r in answers}) == 1
        listed = (await client.get("/v1/callbacks", headers=headers)).json()
        assert listed["total"] == 1
        assert listed["items"][0]["requests"] == 6
