"""Shard fencing: a routing process that a newer one took its shard from never assigns again.

In process: the real engine on a real database (SQLite and PostgreSQL), a second engine on
the same database standing for the newer process. As processes: two routing apps served on
their ports, one shard, one database, one broker; and a routing process started with
`python -m frontdoor_routing serve` that stops by itself once fenced.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select, text
from sqlmodel import col

from frontdoor_common.bus.broker import free_port
from frontdoor_common.bus.consumer import claim
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import inbox, outbox
from frontdoor_common.db import Database
from frontdoor_common.events import routing as ev
from frontdoor_common.events.agents import AgentPresenceChanged, AgentSnapshot, QueueMembership
from frontdoor_common.testing import auth, eventually
from frontdoor_routing.app import create_app
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate
from frontdoor_routing.calls.service import arrive
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.engine.fencing import ShardFenced
from frontdoor_routing.inputs import RoutingInputs
from frontdoor_routing.models import Call, ShardLease, metadata
from frontdoor_routing.settings import Settings

from ..conftest import TENANT, Platform, Rig

# ---------------------------------------------------------------- helpers


@contextlib.asynccontextmanager
async def other_process(rig: Rig, shard: str | None = None) -> AsyncIterator[Engine]:
    """A second routing process's engine on the same database (its own connections), for `shard`."""
    db = Database(rig.settings.effective_database_url)
    try:
        yield Engine(
            db=db,
            settings=rig.settings.model_copy(update={"shard": shard}),
            clock=rig.clock,
            notifier=rig.engine.notifier,
            registry=CollectorRegistry(),
        )
    finally:
        await db.dispose()


async def _leases(db: Database) -> list[tuple[str, int]]:
    async with db.snapshot() as session:
        return [(r.shard, r.epoch) for r in (await session.execute(select(ShardLease))).scalars()]


async def _calls(db: Database) -> list[str]:
    async with db.snapshot() as session:
        return sorted(c.cti_call_id for c in (await session.execute(select(Call))).scalars())


async def _outbox_rows(db: Database) -> int:
    async with db.snapshot() as session:
        return int(await session.scalar(select(func.count()).select_from(outbox)) or 0)


async def _events(db: Database) -> list[Envelope]:
    async with db.snapshot() as session:
        rows = (await session.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
    return [Envelope.model_validate_json(payload) for (payload,) in rows]


async def _post(rig: Rig, engine: Engine, cti: str) -> Any:
    view, _ = await arrive(engine, TENANT, CallCreate(cti_call_id=cti, ivr_digit="1"), Identification())
    return view


# ---------------------------------------------------------------- the table


async def test_the_migrations_build_the_lease_table_the_model_describes(rig: Rig) -> None:
    async with rig.db.engine.connect() as conn:

        def diff(sync_conn: Any) -> list[Any]:
            mc = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            ours = set(metadata.tables)

            def about_ours(d: Any) -> bool:
                item = d[0] if isinstance(d, list) else d  # modify_* diffs come as lists
                for part in item[1:]:
                    table = getattr(part, "table", part)  # an index or column names its table
                    if getattr(table, "name", table) in ours:
                        return True
                return False

            # The bus tables belong to the foundation's metadata, not routing's models.
            return [d for d in compare_metadata(mc, metadata) if about_ours(d)]

        assert await conn.run_sync(diff) == []
        columns = (await conn.execute(text("SELECT shard, epoch, holder, taken_at FROM routing_shard_lease"))).all()
        assert columns == []


# ---------------------------------------------------------------- in process


async def test_a_starting_engine_takes_the_next_epoch_and_an_unsharded_deployment_is_the_shard_named_empty(
    rig: Rig,
) -> None:
    assert await rig.engine.start() == 1
    async with other_process(rig) as newer:
        assert await newer.start() == 2
    assert await _leases(rig.db) == [("", 2)]
    async with other_process(rig, shard="3") as third:  # ROUTING_SHARD=3: a lease of its own
        assert await third.start() == 1
    assert sorted(await _leases(rig.db)) == [("", 2), ("3", 1)]


async def test_engines_starting_at_once_each_get_an_epoch_of_their_own(rig: Rig) -> None:
    dbs = [Database(rig.settings.effective_database_url) for _ in range(4)]
    try:
        engines = [
            Engine(
                db=db,
                settings=rig.settings,
                clock=rig.clock,
                notifier=rig.engine.notifier,
                registry=CollectorRegistry(),
            )
            for db in dbs
        ]
        epochs = await asyncio.gather(*(e.start() for e in engines))
    finally:
        for db in dbs:
            await db.dispose()
    assert sorted(epochs) == [1, 2, 3, 4]
    assert await _leases(rig.db) == [("", 4)]


async def test_the_first_change_takes_the_lease_when_nobody_started_the_engine(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    assert rig.engine.lease.epoch == 1
    assert await _leases(rig.db) == [("", 1)]


async def test_a_change_after_a_newer_process_took_the_shard_fails_stores_nothing_and_leaves_memory_as_stored(
    rig: Rig,
) -> None:
    stops: list[str] = []
    rig.engine.on_fenced = lambda: stops.append("stop")
    q = await rig.queue(ivr_digit="1")
    agent = await rig.agent({q: 3})
    first = await _post(rig, rig.engine, "first")
    assert first.outcome == "offered"  # this process assigned while it held the shard
    tenant = rig.tenant()
    before = (tenant.router.snapshot(), tenant.router.agent_status(agent), dict(tenant.offers))
    rows, calls = await _outbox_rows(rig.db), await _calls(rig.db)

    async with other_process(rig) as newer:
        assert await newer.start() == 2
        with pytest.raises(ShardFenced) as refused:
            await _post(rig, rig.engine, "second")
        assert refused.value.status == 503 and refused.value.error_id == "shard_fenced"
        # nothing of it is stored, no event, and the core did not move
        assert await _outbox_rows(rig.db) == rows and await _calls(rig.db) == calls
        assert (tenant.router.snapshot(), tenant.router.agent_status(agent), dict(tenant.offers)) == before
        assert rig.engine.tenants[TENANT] is tenant
        assert rig.engine.lease.fenced and rig.engine.lease.newer == 2 and stops == ["stop"]
        assert rig.engine.deadlines() == []  # its timers offer nothing either
        # every later change is refused before it touches the database (the hook ran once)
        with pytest.raises(ShardFenced):
            await rig.engine.advance(TENANT)
        assert stops == ["stop"]

        # the newer process routes: the first call's offer was void and is made again; the second waits
        second = await _post(rig, newer, "second")
        assert second.outcome == "queued"
        assert newer.tenants[TENANT].router.agent_status(agent) == "offered"
    assert await _leases(rig.db) == [("", 2)]
    offered = [e for e in await _events(rig.db) if e.type == ev.CallOffered.name]
    assert [e.subject for e in offered] == [str(first.call.call_id)] * 2  # the old process's, then the newer's


async def test_an_event_a_fenced_process_was_handed_is_left_unclaimed_for_the_newer_one(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})
    snap = AgentSnapshot(
        agent_id=uuid.uuid4(),
        tenant_id=TENANT,
        name="Agent",
        presence="available",
        presence_since=rig.clock.now(),
        available=True,
        queues=[QueueMembership(queue_id=q)],
    )
    envelope = rig.envelope(AgentPresenceChanged(current=snap, at=rig.clock.now()))
    async with other_process(rig) as newer:
        await newer.start()
        with pytest.raises(ShardFenced):
            await rig.deliver(envelope)
        async with rig.db.snapshot() as session:  # the inbox claim rolled back with the change
            assert await session.scalar(select(func.count()).select_from(inbox)) == 0

        async def claim_it(session: Any) -> bool:
            return await claim(session, "inputs", envelope.id, envelope.type)

        assert await RoutingInputs(newer).run(envelope, claim_it)  # handled by the newer process
        assert snap.agent_id in newer.tenants[TENANT].agents


async def test_an_older_change_in_flight_commits_before_the_newer_process_takes_the_shard(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})
    async with other_process(rig) as newer:
        async with rig.engine.mutation(TENANT) as m:
            # This change holds the lease row (PostgreSQL's row lock, SQLite's write lock): the newer
            # process's increment waits for its commit. On PostgreSQL the wait is seen in pg_stat_activity.
            taking = asyncio.create_task(newer.start())
            if rig.db.dialect == "postgresql":
                await eventually(lambda: _waiting_for_a_lock(rig.db))
            assert not taking.done()
            assert m.tenant_id == TENANT
        assert await taking == 2
        with pytest.raises(ShardFenced):
            async with rig.engine.mutation(TENANT):
                pass


async def _waiting_for_a_lock(db: Database) -> bool:
    async with db.snapshot() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return bool(waiting)


# ---------------------------------------------------------------- two routing apps, one shard


@pytest.mark.slow  # two routing apps on one shard, one database and one broker
async def test_a_pod_whose_shard_a_newer_pod_took_refuses_calls_reports_not_ready_stops_and_never_assigns_again(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    settings_a = make_settings(Settings, shard="0", known_agent_preference_seconds=0)
    settings_b = settings_a.model_copy(update={"port": free_port()})
    stopped_a: list[str] = []
    db = Database(settings_a.effective_database_url)
    cm_a = make_platform(settings_a, create_app(settings_a, on_fenced=lambda: stopped_a.append("stop")))
    a: Platform = await cm_a.__aenter__()
    a_open = True
    try:
        q = uuid.UUID((await a.queue(name="One", ivr_digit="1"))["id"])
        first_agent = await a.staff({q: 3})
        second_agent = await a.staff({q: 3})
        first = await a.call(cti_call_id="c1", ivr_digit="1")
        assert first.status_code == 201 and first.json()["outcome"] == "offered"  # A serves and assigns
        assert a.engine.lease.epoch == 1

        async with make_platform(settings_b, create_app(settings_b, on_fenced=lambda: None)) as b:
            assert b.engine.lease.epoch == 2  # B took the shard as it started
            assert await _leases(db) == [("0", 2)]
            await eventually(lambda: b.engine.loaded.is_set())
            rows, calls = await _outbox_rows(db), await _calls(db)

            refused = await a.call(cti_call_id="c2", ivr_digit="1")
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["error_id"] == "shard_fenced"
            assert await _outbox_rows(db) == rows and await _calls(db) == calls  # nothing of it stored

            ready = await a.http.get("/readyz")
            assert ready.status_code == 503 and "workers.shard_lease" in ready.json()["detail"]
            assert (await b.http.get("/readyz")).json()["checks"]["workers"]["shard_lease"] == "running"
            await eventually(lambda: stopped_a == ["stop"])  # A asked its process to stop ...
            assert all(not c.running for c in a.context.runtime.consumers)  # ... its consumers left first
            await cm_a.__aexit__(None, None, None)  # ... and it stops
            a_open = False

            assigned = await b.call(cti_call_id="c2", ivr_digit="1")
            assert assigned.status_code == 201 and assigned.json()["outcome"] == "offered", assigned.text
            assert assigned.json()["call"]["agent_id"] in (str(first_agent), str(second_agent))
        assert await _leases(db) == [("0", 2)]

        # Every offer: c1 by A (epoch 1), then B's: c1's void offer withdrawn and made again, and c2.
        events = await _events(db)
        c1, c2 = first.json()["call"]["call_id"], assigned.json()["call"]["call_id"]
        kinds = [(e.type, e.subject) for e in events if e.type in (ev.CallOffered.name, ev.OfferWithdrawn.name)]
        assert kinds == [
            (ev.CallOffered.name, c1),
            (ev.OfferWithdrawn.name, c1),
            (ev.CallOffered.name, c1),
            (ev.CallOffered.name, c2),
        ]
        async with db.snapshot() as session:
            arrived = await session.scalar(select(func.count()).select_from(Call).where(col(Call.cti_call_id) == "c2"))
        assert arrived == 1
    finally:
        if a_open:
            await cm_a.__aexit__(None, None, None)
        await db.dispose()


# ---------------------------------------------------------------- a real routing process


@pytest.mark.slow  # a routing process of its own, then a newer one for its shard
async def test_a_routing_process_fenced_by_a_newer_one_stops_by_itself(
    make_settings: Callable[..., Settings],
    make_platform: Callable[..., Any],
    token_for: Callable[..., str],
    tmp_path: Path,
) -> None:
    settings = make_settings(Settings, shard="7", known_agent_preference_seconds=0)
    port = free_port()
    env = {
        **os.environ,
        "ROUTING_DATABASE_URL": settings.effective_database_url,
        "KAFKA_BOOTSTRAP_SERVERS": str(settings.kafka_bootstrap_servers),
        "ROUTING_TOPIC_PREFIX": settings.topic_prefix,
        "ROUTING_TOPIC_PARTITIONS": "2",
        "ROUTING_SHARD": "7",
        "ROUTING_PORT": str(port),
        "ROUTING_ENVIRONMENT": "test",
        "ROUTING_LOG_LEVEL": "WARNING",
        "ROUTING_OTEL_ENABLED": "false",
        "ROUTING_VAR_DIR": str(settings.var_dir),
        "ROUTING_CONSUMER_SESSION_TIMEOUT_MS": "2000",
    }
    log = tmp_path / "old-routing.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdoor_routing", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=auth(token_for(TENANT)), timeout=30
        ) as old:

            async def answers() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    return (await old.get("/readyz")).status_code == 200
                return False

            await eventually(answers, timeout=60)
            assert (await old.post("/v1/queues", json={"name": "One", "ivr_digit": "1"})).status_code == 201
            async with make_platform(settings, create_app(settings, on_fenced=lambda: None)) as newer:
                assert newer.engine.lease.epoch == 2
                refused = await old.post("/v1/calls", json={"cti_call_id": "late", "ivr_digit": "1"})
                assert refused.status_code == 503 and refused.json()["error_id"] == "shard_fenced"
                await eventually(lambda: process.poll() is not None, timeout=60)  # it stopped by itself
                answered = await newer.call(cti_call_id="late", ivr_digit="1")
                assert answered.status_code == 201, answered.text
        said = log.read_text()
        # uvicorn's graceful shutdown ends by raising the SIGTERM it caught again
        assert process.returncode in (0, -signal.SIGTERM), said
        lines = [json.loads(line) for line in said.splitlines() if line.startswith("{")]
        fenced = [(d["level"], d["shard"], d["epoch"], d["newer_epoch"]) for d in lines if "newer_epoch" in d]
        assert fenced == [("error", "7", 1, 2)], said
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
