"""The relay marks rows sent off its publishing path: rows waiting for their mark are never sent
again, a failed mark is retried, a re-publish sends them again, a stop writes the marks due
(real broker, real SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import func, select

from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.bus.tables import outbox
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics
from frontdoor_common.testing import eventually, read_records
from frontdoor_common.testing.ledger import TOPICS, Deposit


def _relay(db: Database, bus: KafkaBus, settings: ServiceSettings) -> OutboxRelay:
    slow_poll = settings.model_copy(update={"outbox_poll_interval_s": 60.0})
    return OutboxRelay(db, bus, slow_poll, Metrics("libtest"), topics=TOPICS)


async def _unsent_in_table(db: Database) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).where(outbox.c.sent_at.is_(None))) or 0)


async def _commit(db: Database, box: Outbox, accounts: list[str]) -> list[str]:
    ids = []
    for account in accounts:
        async with db.transaction() as s:
            ids.append((await box.add(s, Deposit(account=account), tenant="t1")).id)
    return ids


def _published(relay: OutboxRelay, count: int) -> Callable[[], bool]:
    return lambda: relay.published_total == count


async def _sent(bus: KafkaBus, settings: ServiceSettings, want: int) -> list[Envelope]:
    records = await read_records(bus.bootstrap, settings.topic(TOPICS[0]), want=want, grace=1.0)
    return [Envelope.model_validate_json(r.value) for r in records]


def _assert_once_each_in_order(sent: list[Envelope], committed: list[str]) -> None:
    ids = [e.id for e in sent]
    assert len(ids) == len(set(ids)), "a row was sent twice"
    assert sorted(ids) == sorted(committed)
    order = {event_id: n for n, event_id in enumerate(committed)}
    for key in {e.subject for e in sent}:
        seen = [order[e.id] for e in sent if e.subject == key]
        assert seen == sorted(seen), f"events of {key} out of order"


async def test_rows_waiting_for_their_mark_are_not_sent_again_by_the_passes_meanwhile(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    relay = _relay(db, bus, settings)
    box = Outbox("libtest")
    box.on_commit(relay.wake)
    await relay.start()
    try:
        async with relay._marking:  # no mark can be written: every acked row waits
            committed: list[str] = []
            for i in range(5):
                committed += await _commit(db, box, [f"acct-{(i + j) % 2}" for j in range(3)])
                await eventually(_published(relay, len(committed)), timeout=15)
            assert await _unsent_in_table(db) == len(committed)  # all acked, none marked yet
        await eventually(lambda: not relay._unmarked, timeout=15)
        assert await _unsent_in_table(db) == 0
    finally:
        await relay.stop()
    _assert_once_each_in_order(await _sent(bus, settings, want=len(committed)), committed)


async def test_a_mark_that_fails_is_written_later_and_its_rows_are_not_sent_again(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    relay = _relay(db, bus, settings)
    box = Outbox("libtest")
    box.on_commit(relay.wake)
    real_flush = relay._flush_marks
    failures = 0

    async def failing_once() -> None:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ConnectionError("the database went away for a moment")
        await real_flush()

    relay._flush_marks = failing_once  # type: ignore[method-assign]
    await relay.start()
    try:
        committed = await _commit(db, box, ["a", "b"])
        await eventually(lambda: failures == 1 and relay.published_total == 2, timeout=15)
        committed += await _commit(db, box, ["a", "c"])  # passes while the failed mark waits
        await eventually(lambda: relay.published_total == 4 and not relay._unmarked, timeout=15)
    finally:
        await relay.stop()
    assert await _unsent_in_table(db) == 0
    _assert_once_each_in_order(await _sent(bus, settings, want=4), committed)


def _hold_marks(relay: OutboxRelay) -> asyncio.Task[None]:
    """Stop the marker task, while publish_batch believes it runs: acked rows wait in _unmarked."""
    if relay._marker is not None:
        relay._marker.cancel()
    relay._marker = asyncio.create_task(asyncio.sleep(3600))
    return relay._marker


async def test_a_re_publish_sends_again_the_rows_still_waiting_for_their_mark(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    relay = _relay(db, bus, settings)
    box = Outbox("libtest")
    committed = await _commit(db, box, ["a", "b", "c"])
    held = _hold_marks(relay)
    try:
        assert await relay.publish_batch() == 3  # acked, not marked yet
    finally:
        held.cancel()
        relay._marker = None
    assert len(relay._unmarked) == 3
    await relay.republish()  # the broker restarted empty meanwhile
    assert relay._unmarked == {}
    assert await _unsent_in_table(db) == 3
    assert await relay.publish_batch() == 3  # they go out again
    assert await relay.pending() == 0
    sent = [e.id for e in await _sent(bus, settings, want=6)]
    assert sorted(sent) == sorted(committed + committed)  # each twice: before and after the restart


async def test_a_stop_writes_the_marks_still_due(db: Database, bus: KafkaBus, settings: ServiceSettings) -> None:
    relay = _relay(db, bus, settings)
    box = Outbox("libtest")
    box.on_commit(relay.wake)
    await relay.start()
    held = _hold_marks(relay)
    try:
        await _commit(db, box, ["a", "b"])
        await eventually(lambda: relay.published_total == 2, timeout=15)
        assert await _unsent_in_table(db) == 2
    finally:
        await relay.stop()
        held.cancel()
    assert await _unsent_in_table(db) == 0
