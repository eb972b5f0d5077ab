"""A change whose transaction fails leaves the tenant exactly as before, in memory too.

Failures are real: a database trigger refuses the outbox (and inbox) insert, so each change
fails at its very end, after the core moved. While the failure lasts the tenant looks as it
did before the change; once the database accepts writes again the tenant routes calls.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from frontdoor_common.events.callbacks import CallbackDispatched, CallbackSnapshot
from frontdoor_common.testing import eventually
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"


@contextlib.asynccontextmanager
async def refusing_writes(p: Any, tables: tuple[str, ...] = ("outbox", "inbox")) -> AsyncIterator[None]:
    """Every insert into these tables fails (a trigger), until the block ends."""
    db = p.app.state.runtime.db
    pg = db.dialect == "postgresql"
    async with db.engine.begin() as conn:
        if pg:
            await conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION fd_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
                )
            )
        for t in tables:
            if pg:
                await conn.execute(
                    text(
                        f"CREATE OR REPLACE TRIGGER fd_refuse_{t} BEFORE INSERT ON {t} "
                        "FOR EACH ROW EXECUTE FUNCTION fd_refuse()"
                    )
                )
            else:
                raise_ = "SELECT RAISE(ABORT, 'injected')"
                # IF NOT EXISTS: one CI run under load found the previous block's trigger still there
                # (not reproduced since); the writes after each block prove the drop worked.
                await conn.execute(
                    text(f"CREATE TRIGGER IF NOT EXISTS fd_refuse_{t} BEFORE INSERT ON {t} BEGIN {raise_}; END")
                )
    try:
        yield
    finally:
        async with db.engine.begin() as conn:
            for t in tables:
                await conn.execute(text(f"DROP TRIGGER IF EXISTS fd_refuse_{t}" + (f" ON {t}" if pg else "")))


def rebuilds(p: Any) -> list[str]:
    """Spy on the engine's rebuilds (the real method still runs)."""
    seen: list[str] = []
    engine = p.engine
    original = engine._rebuild

    async def spy(tenant_id: str, *args: Any) -> None:
        seen.append(tenant_id)
        await original(tenant_id, *args)

    engine._rebuild = spy
    return seen


async def picture(p: Any, call_ids: list[str]) -> dict[str, Any]:
    """What the tenant looks like from outside and in its core, between two changes.

    Reads do not take the engine's lock, so a read during a change (here: the timer loop
    retrying a change that keeps failing) may see that one change before its rollback.
    The picture is taken holding the lock, once the tenant is loaded, so it shows what the
    tenant is between changes.
    """
    await eventually(lambda: p.tenant() is not None)
    async with p.engine._lock:
        if p.tenant() is None:  # dropped by a rebuild that failed meanwhile
            return {"tenant": "not loaded"}
        return await _picture(p, call_ids)


async def _picture(p: Any, call_ids: list[str]) -> dict[str, Any]:
    queues = (await p.http.get("/v1/queues")).json()
    calls = []
    for c in call_ids:
        r = await p.http.get(f"/v1/calls/{c}")
        assert r.status_code == 200, r.text
        v = r.json()
        call = v["call"]
        calls.append((call["state"], call["queue_id"], call["agent_id"], v["position"], v["offer_id"], v["outcome"]))
    t = p.tenant()
    agents = {str(a): t.router.agent_status(a) for a in t.agents}
    offers = sorted((str(i.offer_id), str(i.call_id), str(i.agent_id)) for i in t.offers.values())
    return {
        "queues": queues,
        "calls": calls,
        "agents": agents,
        "offers": offers,
        "core": t.router.snapshot(),
        "aht": t.aht_seconds,
    }


async def test_every_failed_cti_and_desk_change_leaves_the_tenant_as_before_and_it_still_routes(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        seen = rebuilds(p)
        # Long offer timeouts: no timer fires while the test holds offers open (it tests timers below).
        one = uuid.UUID(
            (await p.queue(name="Invoices", ivr_digit="1", wrapup_seconds=0, offer_timeout_seconds=300))["id"]
        )
        two = uuid.UUID(
            (await p.queue(name="Members", ivr_digit="2", wrapup_seconds=0, offer_timeout_seconds=300))["id"]
        )
        ada = await p.staff({one: 3, two: 3})
        bo = await p.staff({one: 3, two: 3})
        cy = await p.staff({})  # in no queue: only a transfer to her, by name, reaches her
        first = (await p.call(cti_call_id="c1", ivr_digit="1")).json()
        second = (await p.call(cti_call_id="c2", ivr_digit="1")).json()
        third = (await p.call(cti_call_id="c3", ivr_digit="1")).json()
        ids = [first["call"]["call_id"], second["call"]["call_id"], third["call"]["call_id"]]
        assert [first["outcome"], second["outcome"], third["outcome"]] == ["offered", "offered", "queued"]

        async def fails(method: str, url: str, **kw: Any) -> None:
            before = await picture(p, ids)
            n = len(seen)
            async with refusing_writes(p):
                r = await p.http.request(method, url, **kw)
                assert r.status_code == 500, (url, r.status_code, r.text)
                assert len(seen) == n + 1, "the failed change rebuilt the tenant"
                assert await picture(p, ids) == before, url
            assert await picture(p, ids) == before, url

        # create and change a queue
        await fails("POST", "/v1/queues", json={"name": "Pensions", "ivr_digit": "3"})
        await fails("PATCH", f"/v1/queues/{one}", json={"name": "Renamed", "priority": 5})
        # a call arrives
        await fails("POST", "/v1/calls", json={"cti_call_id": "c4", "ivr_digit": "1"})
        # offers accepted, rejected; the CTI's answer
        offer_1, offer_2 = first["offer_id"], second["offer_id"]
        await fails("POST", f"/v1/offers/{offer_1}/accept")
        await fails("POST", f"/v1/offers/{offer_2}/reject")
        await fails("POST", f"/v1/calls/{ids[0]}/answer", json={})
        # the accepted offer is still the same offer, with the same id
        assert (await p.http.post(f"/v1/offers/{offer_1}/accept")).status_code == 200
        await fails("POST", f"/v1/calls/{ids[0]}/transfer", json={"queue_id": str(two)})
        await fails("POST", f"/v1/calls/{ids[0]}/transfer", json={"agent_id": str(cy)})
        await fails("POST", f"/v1/calls/{ids[0]}/transfer", json={"agent_id": str(cy), "queue_id": str(two)})
        await fails("POST", f"/v1/calls/{ids[0]}/complete", json={"resolution": "resolved"})
        await fails("POST", f"/v1/calls/{ids[2]}/abandon")

        # the tenant routes as before once the database writes again
        assert (await p.http.post(f"/v1/offers/{offer_2}/accept")).status_code == 200
        done = await p.http.post(f"/v1/calls/{ids[0]}/complete", json={"resolution": "resolved"})
        assert done.status_code == 200
        nxt = await p.http.get(f"/v1/calls/{ids[2]}")
        assert nxt.json()["outcome"] == "offered"
        assert (await p.call(cti_call_id="c5", ivr_digit="2")).json()["outcome"] == "queued"
        assert {ada, bo, cy} == set(p.tenant().agents)


async def test_failed_inputs_and_timers_leave_the_tenant_as_before_and_apply_once_writes_work(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    settings = make_settings(
        Settings, known_agent_preference_seconds=0, consumer_max_retries=1000, consumer_retry_backoff_max_s=0.2
    )
    async with make_platform(settings) as p:
        seen = rebuilds(p)
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1", offer_timeout_seconds=2))["id"])
        ada = await p.staff({q: 3}, presence="away")
        waiting = (await p.call(cti_call_id="w", ivr_digit="1")).json()
        ids = [waiting["call"]["call_id"]]

        async def input_fails(send: Callable[[], Any], applied: Callable[[], bool]) -> None:
            before = await picture(p, ids)
            n = len(seen)
            async with refusing_writes(p):
                await send()
                await eventually(lambda: len(seen) > n)
                assert await picture(p, ids) == before
            # room for the consumer's retry to come round on a loaded machine (a PostgreSQL run beside
            # another test run missed 20 s once; cause not found: see the stop note)
            await eventually(applied, timeout=60)

        # an agent's presence (the call waiting is offered to them once it applies)
        await input_fails(lambda: p.agent(ada, {q: 3}), lambda: p.tenant().router.offer_of(uuid.UUID(ids[0])))
        # an opening change
        await input_fails(lambda: p.opening(False, q), lambda: not p.tenant().queues[q].open)
        await p.opening(True, q)
        await eventually(lambda: p.tenant().queues[q].open)
        # a callback dispatched
        cb = CallbackSnapshot(
            callback_id=uuid.uuid4(),
            tenant_id=TENANT,
            number="+4790000009",
            queue_id=q,
            source="web",
            status="dispatched",
            requested_at=datetime.now(UTC),
            original_arrived_at=datetime.now(UTC) - timedelta(minutes=5),
        )
        await input_fails(
            lambda: p.publish(CallbackDispatched(callback=cb, attempt=1), source="callbacks"),
            lambda: p.tenant().router.waiting_count(q) == 1,
        )
        # the offer's timer: ada never answers; the timeout fails, then happens once writes work
        offer = p.tenant().router.offer_of(uuid.UUID(ids[0]))
        assert offer is not None
        before = await picture(p, ids)
        n = len(seen)
        async with refusing_writes(p, ("outbox",)):
            await eventually(lambda: len(seen) > n, timeout=10)
            assert await picture(p, ids) == before
        await eventually(lambda: p.tenant().router.agent_status(ada) == "unavailable", timeout=10)
        # and the tenant still routes calls
        bo = await p.staff({q: 3})
        await eventually(lambda: p.tenant().router.agent_status(bo) == "offered")
        assert (await p.call(cti_call_id="later", ivr_digit="1")).json()["outcome"] == "queued"
