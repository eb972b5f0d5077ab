"""Group commit: changes that wait behind one another share one transaction and one commit.

The engine runs on a real database (SQLite and PostgreSQL). Commits are counted by the
database driver's own commit event; a change's durability is checked from another connection
the moment its caller gets its answer.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlmodel import col

from frontdoor_common.errors import Conflict
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate
from frontdoor_routing.calls.service import arrive
from frontdoor_routing.engine.engine import MAX_BATCH
from frontdoor_routing.models import Call

from ..conftest import TENANT, Rig


@pytest.fixture(autouse=True)
def group_commit(rig: Rig) -> None:
    """The engine with group commit on (`ROUTING_GROUP_COMMIT`; off by default)."""
    rig.engine.settings = rig.engine.settings.model_copy(update={"group_commit": True})


@contextmanager
def counted_commits(rig: Rig, fail: list[bool] | None = None) -> Iterator[list[int]]:
    """The engine's commits, as its metric counts them (the number of commits, then the changes
    they made durable, filled in when the block ends); while `fail[0]` is set, the database
    driver refuses every commit."""

    def sample(name: str) -> float:
        value = rig.engine.batch_changes.labels(service="routing")
        return float({s.name: s.value for s in value.collect()[0].samples}[name])

    def on_commit(_conn: Any) -> None:
        if fail and fail[0]:
            raise RuntimeError("injected commit failure")

    count, changes = sample("frontdoor_routing_commit_changes_count"), sample("frontdoor_routing_commit_changes_sum")
    sync_engine = rig.db.engine.sync_engine
    event.listen(sync_engine, "commit", on_commit)
    result: list[int] = []
    try:
        yield result
    finally:
        event.remove(sync_engine, "commit", on_commit)
        result += [
            int(sample("frontdoor_routing_commit_changes_count") - count),
            int(sample("frontdoor_routing_commit_changes_sum") - changes),
        ]


async def stored(rig: Rig, cti: str) -> Call | None:
    """The call as another connection reads it (only what was committed)."""
    async with rig.db.snapshot() as session:
        row: Call | None = await session.scalar(select(Call).where(col(Call.cti_call_id) == cti))
        return row


async def arrive_and_check(rig: Rig, cti: str) -> tuple[uuid.UUID, bool]:
    """A call arrives; returns its id and whether it was durable when the caller got the answer."""
    view, created = await arrive(rig.engine, TENANT, CallCreate(cti_call_id=cti, ivr_digit="1"), Identification())
    assert created
    return view.call.call_id, await stored(rig, cti) is not None


async def test_changes_waiting_behind_one_another_share_commits_and_each_caller_is_answered_once_durable(
    rig: Rig,
) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})
    n = 40
    with counted_commits(rig) as commits:
        results = await asyncio.gather(*[arrive_and_check(rig, f"gc-{i}") for i in range(n)])
    assert all(durable for _id, durable in results), "a caller got its answer before its change was committed"
    assert commits[1] == n and commits[0] < n / 2, f"{n} changes took {commits[0]} commits: they did not share"
    tenant = rig.tenant()
    assert all(tenant.router.position(call_id) is not None or tenant.router.offer_of(call_id) for call_id, _ in results)
    # the order of the changes is the order of their events
    arrived = [e.data["call"]["cti_call_id"] for e in await rig.events() if e.type == "routing.call.arrived"]
    assert sorted(arrived) == sorted(f"gc-{i}" for i in range(n)) and len(arrived) == n


async def test_a_single_change_commits_at_once_and_a_steady_stream_still_commits_every_max_batch(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})
    with counted_commits(rig) as commits:
        _id, durable = await arrive_and_check(rig, "alone")
    assert durable and commits == [1, 1]
    n = MAX_BATCH * 3
    with counted_commits(rig) as commits:
        results = await asyncio.gather(*[arrive_and_check(rig, f"s-{i}") for i in range(n)])
    assert all(durable for _id, durable in results)
    assert commits[1] == n and commits[0] >= 3, "a batch grew past MAX_BATCH changes"


async def test_a_change_that_fails_in_a_shared_transaction_is_undone_alone_memory_included(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})

    async def refused(i: int) -> None:
        """Moves the core and writes a row, then is refused."""
        async with rig.engine.mutation(TENANT) as m:
            call = Call(
                tenant_id=TENANT, cti_call_id=f"bad-{i}", queue_id=q, arrived_at=m.at, updated_at=m.at, state="queued"
            )
            await m.insert(call)
            await m.enqueue(call, q)
            raise Conflict("refused on purpose", error_id="refused")

    n = 30
    jobs = [refused(i) if i % 3 == 1 else arrive_and_check(rig, f"ok-{i}") for i in range(n)]
    with counted_commits(rig) as commits:
        results = await asyncio.gather(*jobs, return_exceptions=True)
    good = [r for i, r in enumerate(results) if i % 3 != 1]
    bad = [r for i, r in enumerate(results) if i % 3 == 1]
    assert all(isinstance(r, Conflict) for r in bad), bad
    assert all(isinstance(r, tuple) and r[1] for r in good), good
    assert commits[1] == len(good) and commits[0] < n / 2
    for i in range(n):
        row = await stored(rig, f"{'bad' if i % 3 == 1 else 'ok'}-{i}")
        assert (row is None) == (i % 3 == 1)
    # memory as stored: the core holds exactly the stored calls that wait or are offered
    tenant = rig.tenant()
    async with rig.db.snapshot() as session:
        live = set(
            (await session.execute(select(col(Call.id)).where(col(Call.state).in_(("queued", "offered"))))).scalars()
        )
    in_core = {c for c in live if tenant.router.position(c) is not None or tenant.router.offer_of(c) is not None}
    assert in_core == live
    assert len(live) == len(good)


async def test_a_failed_commit_fails_every_change_in_it_and_the_tenant_is_rebuilt_as_stored(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})
    _first, _ = await arrive_and_check(rig, "before")
    fail = [True]
    n = 12
    with counted_commits(rig, fail):
        results = await asyncio.gather(*[arrive_and_check(rig, f"lost-{i}") for i in range(n)], return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results), results
    for i in range(n):
        assert await stored(rig, f"lost-{i}") is None
    # (the rebuild's own commit failed too: the tenant is loaded again by its next change)
    fail[0] = False
    call_id, durable = await arrive_and_check(rig, "after")
    assert durable
    tenant = rig.tenant()
    assert tenant.router.position(call_id) is not None or tenant.router.offer_of(call_id) is not None
    # no change of the failed batch is in memory: the core holds what the database holds
    async with rig.db.snapshot() as session:
        live = set(
            (await session.execute(select(col(Call.id)).where(col(Call.state).in_(("queued", "offered"))))).scalars()
        )
    in_core = {c for c in live if tenant.router.position(c) is not None or tenant.router.offer_of(c) is not None}
    assert in_core == live and len(live) == 2


@pytest.mark.parametrize("cancelled", [0, 5])
async def test_a_caller_that_leaves_while_waiting_for_its_commit_leaves_the_batch_whole(
    rig: Rig, cancelled: int
) -> None:
    q = await rig.queue(ivr_digit="1")
    await rig.agent({q: 3})
    n = 20
    tasks = [asyncio.create_task(arrive_and_check(rig, f"c-{i}")) for i in range(n)]
    await asyncio.sleep(0)
    for t in tasks[:cancelled]:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    finished = [r for r in results if isinstance(r, tuple)]
    assert all(durable for _id, durable in finished)
    # every change not cancelled before it ran is stored; the engine takes changes afterwards
    _id, durable = await arrive_and_check(rig, "later")
    assert durable
    assert await stored(rig, f"c-{n - 1}") is not None
