"""Lists with filters, and the report: pending, due, overdue, at risk, success rate, time to callback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.clock import ManualClock
from frontdoor_callbacks.testing import QUEUE, TENANT, add_queue, dispatcher
from frontdoor_common.testing import running_app


async def _request(client: Any, headers: dict[str, str], number: str, **extra: Any) -> dict[str, Any]:
    body = {"source": "web", "number": number, "queue_id": str(QUEUE), **extra}
    r = await client.post("/v1/callbacks", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_the_report_counts_what_waits_now_and_how_the_period_went(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    day_start = clock.now() - timedelta(hours=1)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        reached_fast = await _request(client, headers, "91000001")
        reached_slow = await _request(client, headers, "91000002")
        wrong = await _request(client, headers, "91000003")
        waiting = await _request(client, headers, "91000004")
        later = await _request(
            client,
            headers,
            "91000005",
            window_start=(clock.now() + timedelta(hours=3)).isoformat(),
            deadline=(clock.now() + timedelta(hours=5)).isoformat(),
        )
        await dispatcher(app).tick()
        clock.advance(minutes=10)
        await client.post(f"/v1/callbacks/{reached_fast['id']}/attempts", json={"outcome": "reached"}, headers=headers)
        clock.advance(minutes=20)
        await client.post(f"/v1/callbacks/{wrong['id']}/attempts", json={"outcome": "wrong_number"}, headers=headers)
        await client.post(f"/v1/callbacks/{reached_slow['id']}/attempts", json={"outcome": "reached"}, headers=headers)

        r = await client.get(
            "/v1/callbacks/report",
            params={"from": day_start.isoformat(), "to": (day_start + timedelta(days=1)).isoformat()},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["requested"] == 5
        assert report["pending"] == 2  # waiting (with routing) and later (scheduled)
        assert report["due"] == 1
        assert report["overdue"] == 1  # dispatched 30 minutes ago, nobody reached the member yet
        assert report["at_risk"] == 1  # later: due 2 hours before its deadline
        assert (report["completed"], report["expired"]) == (2, 1)
        assert report["success_rate"] == 2 / 3
        ttc = report["time_to_callback_seconds"]
        assert (ttc["count"], ttc["mean"], ttc["p50"], ttc["p90"]) == (2, 1200.0, 600.0, 1800.0)
        assert report["from"] == day_start.isoformat().replace("+00:00", "Z")

        due = (await client.get("/v1/callbacks", params={"due": "true"}, headers=headers)).json()
        assert [c["id"] for c in due["items"]] == [waiting["id"]]
        overdue = (await client.get("/v1/callbacks", params={"overdue": "true"}, headers=headers)).json()
        assert [c["id"] for c in overdue["items"]] == [waiting["id"]]
        scheduled = (await client.get("/v1/callbacks", params={"status": "scheduled"}, headers=headers)).json()
        assert [c["id"] for c in scheduled["items"]] == [later["id"]]
        closed = (
            await client.get("/v1/callbacks", params=[("status", "completed"), ("status", "failed")], headers=headers)
        ).json()
        assert closed["total"] == 3
        by_queue = (
            await client.get("/v1/callbacks", params={"queue_id": str(QUEUE), "limit": 2}, headers=headers)
        ).json()
        assert (by_queue["total"], len(by_queue["items"])) == (5, 2)

        bad = await client.get(
            "/v1/callbacks/report",
            params={"from": clock.now().isoformat(), "to": day_start.isoformat()},
            headers=headers,
        )
        assert (bad.status_code, bad.json()["field"]) == (422, "to")
