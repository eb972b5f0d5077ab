"""From request to dispatch, attempts, retries, expiry and deadlines, on the manual clock."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import FastAPI

from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import (
    QUEUE,
    TENANT,
    add_queue,
    context,
    dispatcher,
    know,
    opened,
    outbox_events,
    read_topic,
    sqlite_only,
)
from frontdoor_common.bus import topics
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app


async def test_a_queue_callback_keeps_its_place_the_dispatched_event_carries_the_original_arrival(
    app: FastAPI, clock: ManualClock, settings: Settings, headers: dict[str, str]
) -> None:
    arrived = clock.now() - timedelta(minutes=6)
    call_id = uuid.uuid4()
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        r = await client.post(
            "/v1/callbacks",
            json={
                "source": "queue",
                "number": "+4791234567",
                "queue_id": str(QUEUE),
                "call_id": str(call_id),
                "arrived_at": arrived.isoformat(),
            },
            headers=headers,
        )
        assert r.status_code == 201, r.text
        assert r.json()["due_at"] == r.json()["requested_at"]  # due at once
        clock.advance(seconds=1)
        result = await dispatcher(app).tick()
        assert result.dispatched == [r.json()["id"]]
        events = await read_topic(settings.kafka_bootstrap_servers or "", settings.topic(topics.CALLBACKS), want=2)
    dispatched = [e for e in events if e.type == "callbacks.callback.dispatched"]
    assert len(dispatched) == 1
    data = dispatched[0].data
    assert data["attempt"] == 1
    assert data["callback"]["original_arrived_at"] == arrived.isoformat().replace("+00:00", "Z")
    assert data["callback"]["original_call_id"] == str(call_id)
    assert data["callback"]["queue_id"] == str(QUEUE)
    assert data["callback"]["priority"] == 0  # among live calls, by arrival
    assert dispatched[0].tenant == TENANT


async def test_a_callback_is_not_dispatched_before_its_window_and_is_dispatched_once_when_due(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        start = clock.now() + timedelta(hours=2)
        agent = uuid.uuid4()
        await know(app, "agent", TENANT, agent)
        cb = (
            await client.post(
                "/v1/callbacks",
                json={
                    "source": "agent",
                    "number": "91234567",
                    "queue_id": str(QUEUE),
                    "agent_id": str(agent),
                    "window_start": start.isoformat(),
                    "window_end": (start + timedelta(hours=1)).isoformat(),
                },
                headers=headers,
            )
        ).json()
        assert (await dispatcher(app).tick()).dispatched == []
        clock.set(start)
        assert (await dispatcher(app).tick()).dispatched == [cb["id"]]
        assert (await dispatcher(app).tick()).dispatched == []
        [event] = await outbox_events(context(app).db, "callbacks.callback.dispatched")
        assert event.data["callback"]["agent_id"] == str(agent)  # the named agent first
        assert event.data["callback"]["original_arrived_at"] == event.data["callback"]["due_at"]  # when it fell due
        got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert got["status"] == "dispatched"
        assert got["dispatches"] == 1


async def test_unanswered_attempts_are_retried_after_the_interval_then_the_callback_expires(
    app: FastAPI, clock: ManualClock, settings: Settings, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        cb = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()
        assert cb["max_attempts"] == 3
        for n, outcome in enumerate(["no_answer", "busy", "voicemail"], start=1):
            assert (await dispatcher(app).tick()).dispatched == [cb["id"]], f"dispatch {n}"
            r = await client.post(f"/v1/callbacks/{cb['id']}/attempts", json={"outcome": outcome}, headers=headers)
            assert r.status_code == 201, r.text
            after = r.json()["callback"]
            if n < 3:
                assert after["status"] == "scheduled"
                due = clock.now() + timedelta(seconds=settings.retry_interval_s)
                assert after["due_at"] == due.isoformat().replace("+00:00", "Z")
                clock.advance(minutes=5)
                assert (await dispatcher(app).tick()).dispatched == []  # not before the retry interval
                clock.advance(minutes=10)
        assert after["status"] == "expired"
        assert after["closed_reason"] == "attempts_exhausted"
        assert after["attempts"] == 3
        late = await client.post(f"/v1/callbacks/{cb['id']}/attempts", json={"outcome": "reached"}, headers=headers)
        assert late.status_code == 409
        assert late.json()["error_id"] == "callback_closed"
        detail = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert [a["outcome"] for a in detail["attempt_log"]] == ["no_answer", "busy", "voicemail"]
        assert [a["dispatch"] for a in detail["attempt_log"]] == [1, 2, 3]
        db = context(app).db
        assert [e.data["attempt"] for e in await outbox_events(db, "callbacks.callback.dispatched")] == [1, 2, 3]
        assert len(await outbox_events(db, "callbacks.callback.attempted")) == 3
        [expired] = await outbox_events(db, "callbacks.callback.expired")
        assert expired.data["reason"] == "attempts_exhausted"


@sqlite_only
async def test_a_wrong_number_fails_at_once_and_a_reached_member_completes_the_callback(
    app: FastAPI, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        wrong = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "91234567", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()
        ok = (
            await client.post(
                "/v1/callbacks", json={"source": "web", "number": "92345678", "queue_id": str(QUEUE)}, headers=headers
            )
        ).json()
        agent_id = uuid.uuid4()
        await know(app, "agent", TENANT, agent_id)
        agent = str(agent_id)
        r1 = await client.post(
            f"/v1/callbacks/{wrong['id']}/attempts", json={"outcome": "wrong_number"}, headers=headers
        )
        r2 = await client.post(
            f"/v1/callbacks/{ok['id']}/attempts", json={"outcome": "reached", "agent_id": agent}, headers=headers
        )
        assert (r1.json()["callback"]["status"], r1.json()["callback"]["closed_reason"]) == ("failed", "wrong_number")
        assert r2.json()["callback"]["status"] == "completed"
        db = context(app).db
        [completed] = await outbox_events(db, "callbacks.callback.completed")
        assert completed.data["agent_id"] == agent
        [expired] = await outbox_events(db, "callbacks.callback.expired")
        assert expired.data["reason"] == "wrong_number"
        assert expired.data["callback"]["status"] == "failed"


async def test_a_deadline_raises_priority_as_it_nears_flags_the_callback_at_risk_and_is_never_overrun(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    # Monday 09:00 Oslo; the deadline is Wednesday 12:00 Oslo. The member asked to be called
    # on Wednesday from 08:00, so the callback waits until then.
    deadline = clock.now() + timedelta(days=2, hours=3)
    window_start = deadline - timedelta(hours=4)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        cb = (
            await client.post(
                "/v1/callbacks",
                json={
                    "source": "agent",
                    "number": "91234567",
                    "queue_id": str(QUEUE),
                    "reason": "dismissal",
                    "window_start": window_start.isoformat(),
                    "deadline": deadline.isoformat(),
                },
                headers=headers,
            )
        ).json()
        assert (cb["priority"], cb["at_risk"]) == (-1, False)
        clock.set(deadline - timedelta(hours=20))
        await dispatcher(app).tick()
        got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert (got["priority"], got["at_risk"]) == (1, False)
        clock.set(window_start)  # four hours left: due, above live calls
        result = await dispatcher(app).tick()
        assert result.dispatched == [cb["id"]]
        db = context(app).db
        [dispatched] = await outbox_events(db, "callbacks.callback.dispatched")
        assert dispatched.data["callback"]["priority"] == 5
        clock.set(deadline - timedelta(hours=2))  # nobody has reached the member yet
        result = await dispatcher(app).tick()
        assert result.at_risk == [cb["id"]]
        at_risk = (await client.get("/v1/callbacks", params={"at_risk": "true"}, headers=headers)).json()
        assert [c["id"] for c in at_risk["items"]] == [cb["id"]]
        [flag] = await outbox_events(db, "callbacks.callback.at_risk")
        assert flag.data["seconds_left"] == 7200
        assert flag.data["reason"] == "deadline_near"
        clock.set(deadline - timedelta(minutes=30))
        await dispatcher(app).tick()
        [raised] = await outbox_events(db, "callbacks.callback.reprioritised")
        assert raised.data["callback"]["priority"] == 10
        assert raised.data["attempt"] == 1
        # Nobody reached the member: it expires at the deadline, never dispatched after it.
        await client.post(f"/v1/callbacks/{cb['id']}/attempts", json={"outcome": "no_answer"}, headers=headers)
        clock.set(deadline)
        result = await dispatcher(app).tick()
        assert result.expired == [cb["id"]] and result.dispatched == []
        got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert (got["status"], got["closed_reason"]) == ("expired", "deadline_passed")
        assert len(await outbox_events(db, "callbacks.callback.dispatched")) == 1
        assert len(await outbox_events(db, "callbacks.callback.at_risk")) == 1  # flagged once


@sqlite_only
async def test_a_callback_whose_window_passes_without_an_agent_expires(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        end = clock.now() + timedelta(hours=1)
        cb = (
            await client.post(
                "/v1/callbacks",
                json={"source": "web", "number": "91234567", "queue_id": str(QUEUE), "window_end": end.isoformat()},
                headers=headers,
            )
        ).json()
        assert (await dispatcher(app).tick()).dispatched == [cb["id"]]
        clock.set(end)
        assert (await dispatcher(app).tick()).expired == [cb["id"]]
        [expired] = await outbox_events(context(app).db, "callbacks.callback.expired")
        assert expired.data["reason"] == "window_passed"


@sqlite_only
async def test_a_cancelled_callback_is_never_dispatched_and_frees_its_number_and_queue(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        body = {"source": "web", "number": "91234567", "queue_id": str(QUEUE)}
        cb = (await client.post("/v1/callbacks", json=body, headers=headers)).json()
        r = await client.post(f"/v1/callbacks/{cb['id']}/cancel", json={"reason": "member called in"}, headers=headers)
        assert (r.status_code, r.json()["status"]) == (200, "cancelled")
        assert (await dispatcher(app).tick()).dispatched == []
        again = await client.post(f"/v1/callbacks/{cb['id']}/cancel", headers=headers)
        assert (again.status_code, again.json()["error_id"]) == (409, "callback_closed")
        assert (await client.post("/v1/callbacks", json=body, headers=headers)).status_code == 201
        [cancelled] = await outbox_events(context(app).db, "callbacks.callback.cancelled")
        assert cancelled.data["reason"].startswith("sealed:v1:callbacks:")  # free text: sealed
        assert await opened(app, TENANT, cancelled.data["reason"]) == "member called in"


async def test_a_retry_with_no_opening_left_before_the_deadline_waits_flagged_and_expires_at_the_deadline(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    deadline = clock.now() + timedelta(hours=7)  # Monday 16:00 Oslo, after closing (15:30)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        body = {"source": "agent", "number": "91234567", "queue_id": str(QUEUE), "deadline": deadline.isoformat()}
        cb = (await client.post("/v1/callbacks", json=body, headers=headers)).json()
        assert cb["window_end"] == cb["deadline"]  # a deadline closes the window
        assert (await dispatcher(app).tick()).dispatched == [cb["id"]]
        clock.set(deadline - timedelta(minutes=40))  # 15:20 Oslo: the retry would fall after closing
        r = await client.post(f"/v1/callbacks/{cb['id']}/attempts", json={"outcome": "no_answer"}, headers=headers)
        after = r.json()["callback"]
        assert (after["status"], after["due_at"], after["at_risk"]) == ("scheduled", None, True)
        clock.advance(minutes=30)
        assert (await dispatcher(app).tick()).dispatched == []
        clock.set(deadline)
        assert (await dispatcher(app).tick()).expired == [cb["id"]]
        db = context(app).db
        assert len(await outbox_events(db, "callbacks.callback.dispatched")) == 1
        [flag] = await outbox_events(db, "callbacks.callback.at_risk")
        assert flag.data["callback"]["callback_id"] == cb["id"]
