"""A queue callback and the call it came from are one contact: an answered call ends its callback."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.served.repository import AnsweredCallRepository
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import (
    QUEUE,
    TENANT,
    add_queue,
    context,
    count_rows,
    dispatcher,
    outbox_events,
    returns,
)
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.routing import CallAnswered, CallSnapshot
from frontdoor_common.testing import eventually, running_app


@pytest.fixture
def live_app(consuming_settings: Callable[..., Settings], clock: ManualClock) -> FastAPI:
    """The app with its consumer running, on the default opening hours."""
    return create_app(consuming_settings(), clock=clock)


def answered(call_id: uuid.UUID, clock: ManualClock) -> CallAnswered:
    """Routing's event: an agent answered the live call."""
    return CallAnswered(
        call=CallSnapshot(
            call_id=call_id,
            tenant_id=TENANT,
            cti_call_id="pbx-1",
            kind="call",
            queue_id=QUEUE,
            state="answered",
            arrived_at=clock.now() - timedelta(minutes=3),
            answered_at=clock.now(),
            agent_id=uuid.uuid4(),
        )
    )


def queue_request(call_id: uuid.UUID, clock: ManualClock) -> dict[str, Any]:
    return {
        "source": "queue",
        "number": "+4791234567",
        "queue_id": str(QUEUE),
        "call_id": str(call_id),
        "arrived_at": (clock.now() - timedelta(minutes=3)).isoformat(),
    }


async def test_a_queue_callback_is_cancelled_when_its_call_is_answered_and_a_retried_request_is_refused(
    live_app: FastAPI, publish: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    call_id = uuid.uuid4()
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        r = await client.post("/v1/callbacks", json=queue_request(call_id, clock), headers=headers)
        assert r.status_code == 201, r.text
        cb = r.json()
        await publish(answered(call_id, clock), TENANT)

        async def status() -> str:
            return str((await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()["status"])

        await eventually(lambda: returns(status, "cancelled"), timeout=20)
        [cancelled] = await outbox_events(context(live_app).db, "callbacks.callback.cancelled")
        assert cancelled.data["reason"] == "call_answered"
        assert cancelled.data["callback"]["original_call_id"] == str(call_id)
        # The CTI retries the request (through a restart, say): the caller was served.
        retry = await client.post("/v1/callbacks", json=queue_request(call_id, clock), headers=headers)
        assert retry.status_code == 409, retry.text
        assert (retry.json()["error_id"], retry.json()["field"]) == ("call_already_answered", "call_id")
        assert (await dispatcher(live_app).tick()).dispatched == []


async def test_a_request_arriving_after_the_answer_is_refused_and_nothing_is_written(
    live_app: FastAPI, publish: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    call_id = uuid.uuid4()
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        await publish(answered(call_id, clock), TENANT)

        async def recorded() -> bool:
            async with context(live_app).db.transaction() as s:
                return await AnsweredCallRepository(s).answered(TENANT, call_id)

        await eventually(recorded, timeout=20)
        before = await count_rows(context(live_app).db)
        late = await client.post("/v1/callbacks", json=queue_request(call_id, clock), headers=headers)
        assert late.status_code == 409, late.text
        assert late.json()["error_id"] == "call_already_answered"
        assert await count_rows(context(live_app).db) == before


async def test_a_dispatched_callback_is_cancelled_when_its_call_is_answered_after_the_dispatch(
    live_app: FastAPI, publish: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    call_id = uuid.uuid4()
    async with running_app(live_app) as client:
        await add_queue(live_app, TENANT, QUEUE)
        cb = (await client.post("/v1/callbacks", json=queue_request(call_id, clock), headers=headers)).json()
        assert (await dispatcher(live_app).tick()).dispatched == [cb["id"]]
        await publish(answered(call_id, clock), TENANT)

        async def status() -> str:
            return str((await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()["status"])

        await eventually(lambda: returns(status, "cancelled"), timeout=20)  # routing drops the task on this


async def test_a_callback_committed_while_the_answer_was_recorded_is_cancelled_by_the_dispatcher_not_dispatched(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    call_id = uuid.uuid4()
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        cb = (await client.post("/v1/callbacks", json=queue_request(call_id, clock), headers=headers)).json()
        # The consumer's transaction recorded the answer without seeing the (uncommitted) callback.
        async with context(app).db.transaction() as s:
            await AnsweredCallRepository(s).remember(TENANT, call_id, clock.now(), clock.now())
        result = await dispatcher(app).tick()
        assert result.dispatched == []
        assert result.cancelled == [cb["id"]]
        got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert got["status"] == "cancelled"
        [cancelled] = await outbox_events(context(app).db, "callbacks.callback.cancelled")
        assert cancelled.data["reason"] == "call_answered"


async def test_answered_calls_are_forgotten_after_the_retention(app: FastAPI, clock: ManualClock) -> None:
    call_id = uuid.uuid4()
    async with running_app(app):
        async with context(app).db.transaction() as s:
            await AnsweredCallRepository(s).remember(TENANT, call_id, clock.now(), clock.now())
        clock.advance(timedelta(hours=context(app).settings.answered_call_retention_h + 1))
        await dispatcher(app).tick()
        async with context(app).db.transaction() as s:
            assert not await AnsweredCallRepository(s).answered(TENANT, call_id)


async def test_an_agent_booking_a_callback_during_an_answered_call_is_neither_refused_nor_cancelled(
    app: FastAPI, clock: ManualClock, headers: dict[str, str]
) -> None:
    call_id = uuid.uuid4()
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        async with context(app).db.transaction() as s:
            await AnsweredCallRepository(s).remember(TENANT, call_id, clock.now(), clock.now())
        body = {**queue_request(call_id, clock), "source": "agent", "reason": "call me tomorrow"}
        r = await client.post("/v1/callbacks", json=body, headers=headers)
        assert r.status_code == 201, r.text
        result = await dispatcher(app).tick()
        assert (result.cancelled, result.dispatched) == ([], [r.json()["id"]])
