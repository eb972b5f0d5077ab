"""The report: pending, due, overdue, at risk, success rate, time to callback (and the lists that agree with it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.tenants.repository import TenantRepository
from frontdoor_callbacks.testing import QUEUE, TENANT, add_queue, context, dispatcher
from frontdoor_common.clock import ManualClock
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


async def test_the_report_without_dates_covers_today_so_far_in_the_tenants_zone(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        monday = clock.now()  # 09:00 in Oslo (08:00 UTC)
        clock.set(datetime(2026, 11, 22, 22, 30, tzinfo=UTC))  # Sunday 23:30 in Oslo: yesterday there
        await _request(client, headers, "91000001")
        clock.set(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))  # Monday 00:30 in Oslo: today there
        await _request(client, headers, "91000002")
        clock.set(monday)
        r = await client.get("/v1/callbacks/report", headers=headers)
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["from"], report["to"]) == ("2026-11-22T23:00:00Z", "2026-11-23T08:00:00Z")
        assert report["requested"] == 1
        # Only `to`: the start of its local day.
        only_to = (await client.get("/v1/callbacks/report", params={"to": monday.isoformat()}, headers=headers)).json()
        assert only_to["from"] == "2026-11-22T23:00:00Z"
        # A tenant that announced another zone gets its own day.
        async with context(app).db.transaction() as s:
            await TenantRepository(s).upsert(TENANT, "UTC", "NO", clock.now())
        utc_day = (await client.get("/v1/callbacks/report", headers=headers)).json()
        assert (utc_day["from"], utc_day["requested"]) == ("2026-11-23T00:00:00Z", 0)  # 23:30 UTC was Sunday
