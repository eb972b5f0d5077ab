"""Callbacks in the queues: dispatched as tasks (keeping a caller's place), closed elsewhere."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from frontdoor_common.events import routing as ev
from frontdoor_common.events.callbacks import CallbackCancelled, CallbackDispatched, CallbackExpired, CallbackSnapshot
from frontdoor_common.privacy.seal import Unsealer, UnsealUnavailable
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate
from frontdoor_routing.calls.service import abandon, arrive, get_call
from frontdoor_routing.inputs import RoutingInputs
from frontdoor_routing.models import Call

from ..conftest import TENANT, Rig


def _callback(rig: Rig, queue: uuid.UUID, **kw: Any) -> CallbackSnapshot:
    values: dict[str, Any] = {
        "callback_id": uuid.uuid4(),
        "tenant_id": TENANT,
        "number": "90000009",
        "queue_id": queue,
        "source": "web",
        "status": "dispatched",
        "requested_at": rig.clock.now(),
    }
    values.update(kw)
    return CallbackSnapshot.model_validate(values)


async def test_a_dispatched_callback_waits_as_a_task_at_its_place_once_per_attempt(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3}, presence="away")
    live, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="live", ivr_digit="1"), Identification())
    cb = _callback(rig, q, original_arrived_at=rig.clock.now() - timedelta(minutes=5))
    await rig.deliver(CallbackDispatched(callback=cb, attempt=1), source="callbacks")
    await rig.deliver(CallbackDispatched(callback=cb, attempt=1), source="callbacks")  # a new event id, same attempt
    assert rig.tenant().router.waiting_count(q) == 2
    assert (await get_call(rig.engine, TENANT, live.call.call_id)).position == 2
    tasks = [e for e in await rig.events() if e.type == ev.CallArrived.name and e.data["call"]["kind"] == "callback"]
    assert len(tasks) == 1
    task = tasks[0].data["call"]
    assert task["cti_call_id"] == f"callback:{cb.callback_id}:1" and task["caller_number"].startswith("sealed:v1:")
    async with rig.db.snapshot() as session:
        assert await rig.sealer.open_own(session, TENANT, task["caller_number"]) == "+4790000009"
    row = await get_call(rig.engine, TENANT, uuid.UUID(task["call_id"]))
    assert row.call.caller_number == "+4790000009"  # staff see the number in clear

    await rig.deliver(CallbackExpired(callback=cb.model_copy(update={"status": "expired"})), source="callbacks")
    assert rig.tenant().router.waiting_count(q) == 1
    rejected = [e for e in await rig.events() if e.type == ev.CallRejected.name]
    assert [e.data["reason"] for e in rejected] == ["callback_closed"]


async def test_a_caller_who_left_a_callback_keeps_their_entry_waiting_or_hung_up(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3}, presence="away")
    first, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="one", ivr_digit="1"), Identification())
    second, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="two", ivr_digit="1"), Identification())
    # still waiting: the entry becomes the callback, same place
    cb = _callback(rig, q, source="queue", original_call_id=first.call.call_id)
    await rig.deliver(CallbackDispatched(callback=cb, attempt=1), source="callbacks")
    kept = await get_call(rig.engine, TENANT, first.call.call_id)
    assert kept.call.kind == "callback" and kept.call.callback_id == cb.callback_id and kept.position == 1
    # hung up before the callback arrived: the same entry comes back at its place, no abandoned call
    await abandon(rig.engine, TENANT, second.call.call_id)
    late = _callback(rig, q, source="queue", original_call_id=second.call.call_id)
    await rig.deliver(CallbackDispatched(callback=late, attempt=1), source="callbacks")
    back = await get_call(rig.engine, TENANT, second.call.call_id)
    assert back.call.state == "queued" and back.call.abandoned_at is None and back.position == 2
    assert rig.tenant().router.waiting_count(q) == 2
    # cancelled: the task leaves the queue
    await rig.deliver(CallbackCancelled(callback=cb.model_copy(update={"status": "cancelled"})), source="callbacks")
    assert (await get_call(rig.engine, TENANT, first.call.call_id)).call.state == "closed"
    assert rig.tenant().router.waiting_count(q) == 1


class CallbacksKeys:
    """The callbacks service's `GET /internal/v1/seal-keys/{kid}` as routing's unsealer reaches it."""

    def __init__(self) -> None:
        self.key = Fernet.generate_key().decode()
        self.kid, self.erased_kid = uuid.uuid4().hex, uuid.uuid4().hex
        self.down = False
        self.asked: list[str] = []

    def seal(self, number: str, kid: str | None = None) -> str:
        token = Fernet(self.key.encode()).encrypt(number.encode()).decode()
        return f"sealed:v1:callbacks:{kid or self.kid}:{token}"

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url.path)
        if self.down:
            return httpx.Response(503)
        kid = request.url.path.rsplit("/", 1)[-1]
        if request.url.path != f"/internal/v1/seal-keys/{kid}" or kid not in (self.kid, self.erased_kid):
            return httpx.Response(404)
        if kid == self.erased_kid:
            return httpx.Response(410)
        return httpx.Response(200, json={"kid": kid, "key": self.key})


async def test_a_callbacks_sealed_number_is_opened_for_the_task_and_sealed_again_by_routing(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3}, presence="away")
    keys = CallbacksKeys()
    client = httpx.AsyncClient(transport=httpx.MockTransport(keys))
    unsealer = Unsealer(rig.sealer, {"callbacks": "http://callbacks"}, lambda _tenant: "token", client=client)
    rig.inputs = RoutingInputs(rig.engine, unsealer)
    try:
        sealed = _callback(rig, q, number=keys.seal("90000009"))
        await rig.deliver(CallbackDispatched(callback=sealed, attempt=1), source="callbacks")
        erased = _callback(rig, q, number=keys.seal("90000008", keys.erased_kid))
        await rig.deliver(CallbackDispatched(callback=erased, attempt=1), source="callbacks")
        keys.down = True
        unreachable = _callback(rig, q, number=keys.seal("90000007", uuid.uuid4().hex))
        with pytest.raises(UnsealUnavailable):  # the consumer retries; nothing was written
            await rig.deliver(CallbackDispatched(callback=unreachable, attempt=1), source="callbacks")
    finally:
        await client.aclose()
    assert len(keys.asked) == 3
    async with rig.db.snapshot() as session:
        rows = {
            c.callback_id: c.caller_number
            for c in (await session.execute(select(Call).where(Call.kind == "callback"))).scalars()
        }
    assert rows == {sealed.callback_id: "+4790000009", erased.callback_id: None}
    arrived = {
        e.data["call"]["callback_id"]: e.data["call"]["caller_number"]
        for e in await rig.events()
        if e.type == ev.CallArrived.name
    }
    assert arrived[str(erased.callback_id)] is None
    mine = arrived[str(sealed.callback_id)]
    assert mine.startswith("sealed:v1:routing:")
    async with rig.db.snapshot() as session:
        assert await rig.sealer.open_own(session, TENANT, mine) == "+4790000009"
