"""Requesting callbacks: sources, normalised numbers, deduplication, bad input, tenants."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.testing import (
    OTHER_QUEUE,
    OTHER_TENANT,
    OTHER_TENANTS_QUEUE,
    QUEUE,
    TENANT,
    add_queue,
    context,
    count_rows,
    opened,
    outbox_events,
    sqlite_only,
)
from frontdoor_common.auth import mint_token
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app


def iso(dt: Any) -> str:
    return dt.isoformat()


async def test_an_agent_callback_in_local_format_is_stored_in_e164_and_scheduled_within_its_window(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        start = clock.now() + timedelta(hours=2)
        r = await client.post(
            "/v1/callbacks",
            json={
                "source": "agent",
                "number": "912 34 567",
                "queue_id": str(QUEUE),
                "reason": "dues question",
                "window_start": iso(start),
                "window_end": iso(start + timedelta(hours=1)),
            },
            headers=headers,
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["number"] == "+4791234567"
        assert body["status"] == "scheduled"
        assert body["deduplicated"] is False
        assert body["due_at"] == start.isoformat().replace("+00:00", "Z")
        assert body["priority"] == -1  # below live calls
        assert r.headers["location"] == f"/v1/callbacks/{body['id']}"
        [requested] = await outbox_events(context(app).db, "callbacks.callback.requested")
        # The number and the reason leave sealed (issue 17), and open with the service's keys.
        sealed = requested.data["callback"]
        payload = requested.model_dump_json()
        assert "+4791234567" not in payload and "91234567" not in payload and "dues question" not in payload
        assert sealed["number"].startswith("sealed:v1:callbacks:")
        assert await opened(app, TENANT, sealed["number"]) == "+4791234567"
        assert sealed["reason"].startswith("sealed:v1:callbacks:")
        assert await opened(app, TENANT, sealed["reason"]) == "dues question"
        assert requested.subject == body["id"]


async def test_a_second_request_for_the_same_number_and_queue_updates_the_first_and_says_so(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        await add_queue(app, TENANT, OTHER_QUEUE)
        first = await client.post(
            "/v1/callbacks", json={"source": "web", "number": "+47 912 34 567", "queue_id": str(QUEUE)}, headers=headers
        )
        deadline = clock.now() + timedelta(days=2)
        second = await client.post(
            "/v1/callbacks",
            json={
                "source": "agent",
                "number": "91234567",
                "queue_id": str(QUEUE),
                "reason": "dismissal",
                "deadline": iso(deadline),
            },
            headers=headers,
        )
        other_queue = await client.post(
            "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(OTHER_QUEUE)}, headers=headers
        )
        assert first.status_code == 201
        assert second.status_code == 200, second.text
        assert second.json()["deduplicated"] is True
        assert second.json()["id"] == first.json()["id"]
        assert second.json()["requests"] == 2
        assert second.json()["reason"] == "dismissal"
        assert second.json()["deadline"] is not None
        assert other_queue.status_code == 201
        assert other_queue.json()["id"] != first.json()["id"]
        listed = await client.get("/v1/callbacks", params={"number": "91234567"}, headers=headers)
        assert listed.json()["total"] == 2
        updates = await outbox_events(context(app).db, "callbacks.callback.requested")
        assert [e.data["updated"] for e in updates] == [False, True, False]


async def test_a_closed_callback_no_longer_blocks_a_new_request_for_the_number(
    app: FastAPI, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        body = {"source": "web", "number": "91234567", "queue_id": str(QUEUE)}
        first = (await client.post("/v1/callbacks", json=body, headers=headers)).json()
        done = await client.post(f"/v1/callbacks/{first['id']}/attempts", json={"outcome": "reached"}, headers=headers)
        assert done.json()["callback"]["status"] == "completed"
        again = await client.post("/v1/callbacks", json=body, headers=headers)
        assert again.status_code == 201
        assert again.json()["id"] != first["id"]


# (change to a valid agent request, the field the problem names, its error id)


def H(hours: int) -> timedelta:  # "hours from now", short for the table below
    return timedelta(hours=hours)


BAD_INPUT: list[tuple[dict[str, Any], str, str]] = [
    ({"number": "1234"}, "number", "invalid_number"),
    ({"number": "not a number"}, "number", "invalid_number"),
    ({"window_start": H(-3), "window_end": H(-2)}, "window_end", "window_in_past"),
    ({"window_start": H(3), "window_end": H(2)}, "window_end", "window_ends_before_start"),
    ({"window_start": H(3), "window_end": H(5), "deadline": H(2)}, "deadline", "deadline_before_window"),
    ({"deadline": H(-1)}, "deadline", "deadline_passed"),
    ({"queue_id": str(OTHER_TENANTS_QUEUE)}, "queue_id", "unknown_queue"),
    ({"queue_id": "0000000b-0000-4000-8000-0000000000ff"}, "queue_id", "unknown_queue"),
    ({"queue_id": None}, "queue_id", "queue_required"),
    ({"source": "queue", "call_id": None}, "call_id", "call_required"),
    ({"source": "queue", "call_id": str(uuid.uuid4())}, "arrived_at", "arrival_required"),
    ({"window_start": "2026-11-23T10:00:00"}, "window_start", "validation_failed"),
    ({"source": "phone"}, "source", "validation_failed"),
    ({"max_attempts": 0}, "max_attempts", "validation_failed"),
    ({"window_start": H(10), "window_end": H(12)}, "window_end", "no_opening_in_window"),  # 18:00-20:00 UTC: closed
]


async def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        await add_queue(app, OTHER_TENANT, OTHER_TENANTS_QUEUE)
        before = await count_rows(context(app).db)
        for change, field, error_id in BAD_INPUT:
            body: dict[str, Any] = {"source": "agent", "number": "91234567", "queue_id": str(QUEUE)}
            for key, value in change.items():
                body[key] = iso(clock.now() + value) if isinstance(value, timedelta) else value
            body = {k: v for k, v in body.items() if v is not None}
            r = await client.post("/v1/callbacks", json=body, headers=headers)
            assert r.status_code == 422, (change, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert (r.json()["field"], r.json()["error_id"]) == (field, error_id), change
        assert await count_rows(context(app).db) == before


async def test_another_tenants_callback_is_not_found(app: FastAPI, headers: dict[str, str]) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        mine = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()
        theirs = {"Authorization": f"Bearer {mint_token(tenant_id=OTHER_TENANT)}"}
        got = await client.get(f"/v1/callbacks/{mine['id']}", headers=theirs)
        attempt = await client.post(f"/v1/callbacks/{mine['id']}/attempts", json={"outcome": "reached"}, headers=theirs)
        listed = await client.get("/v1/callbacks", headers=theirs)
        assert got.status_code == 404
        assert got.json()["error_id"] == "callback_not_found"
        assert attempt.status_code == 404
        assert listed.json()["total"] == 0
        assert (await client.get(f"/v1/callbacks/{mine['id']}", headers=headers)).status_code == 200


@sqlite_only
async def test_reading_needs_the_read_scope_and_requesting_the_write_scope(app: FastAPI) -> None:
    read_only = {"Authorization": f"Bearer {mint_token(tenant_id=TENANT, scopes='callbacks:read')}"}
    async with running_app(app) as client:
        assert (await client.get("/v1/callbacks", headers=read_only)).status_code == 200
        r = await client.post("/v1/callbacks", json={"source": "web", "number": "91234567"}, headers=read_only)
        assert r.status_code == 403
        assert r.json()["error_id"] == "scope_missing"
