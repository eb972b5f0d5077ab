"""The relay wakes on commit and batches under load without sending a row twice or out of order
(real broker, real SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics
from frontdoor_common.testing import eventually, read_records
from frontdoor_common.testing.ledger import TOPICS, Deposit


def _relay(db: Database, bus: KafkaBus, settings: ServiceSettings) -> OutboxRelay:
    # A poll interval far longer than any wait below: only wake() can make these rows go out in time.
    slow_poll = settings.model_copy(update={"outbox_poll_interval_s": 60.0})
    return OutboxRelay(db, bus, slow_poll, Metrics("libtest"), topics=TOPICS)


async def test_a_committed_event_goes_out_on_the_commit_not_at_the_next_poll(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    relay = _relay(db, bus, settings)
    box = Outbox("libtest")
    box.on_commit(relay.wake)
    await relay.start()
    try:
        await asyncio.sleep(0.2)  # the loop is waiting, with 60 s to go before its poll
        began = time.monotonic()
        async with db.transaction() as s:
            await box.add(s, Deposit(account="now"), tenant="t1")
        await eventually(lambda: relay.published_total == 1, timeout=10)
        assert time.monotonic() - began < 5
    finally:
        await relay.stop()


async def test_events_committed_while_batches_are_in_flight_go_out_once_each_and_in_order_per_key(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    """The next batch is selected while the previous one's mark is still committing: the rows
    waiting for their mark must not be sent again, and batches go out one after another."""
    relay = _relay(db, bus, settings)
    box = Outbox("libtest")
    box.on_commit(relay.wake)
    await relay.start()
    committed: list[str] = []
    try:
        for i in range(150):
            async with db.transaction() as s:
                events: list[Event] = [
                    Deposit(account=f"acct-{(i + j) % 4}", amount=i * 10 + j) for j in range(i % 3 + 1)
                ]
                committed += [e.id for e in await box.add_many(s, events, tenant="t1")]
            if i % 10 == 0:
                await asyncio.sleep(0)  # let the relay interleave passes with the commits
        await eventually(lambda: relay.published_total == len(committed), timeout=30)
    finally:
        await relay.stop()
    records = await read_records(bus.bootstrap, settings.topic(TOPICS[0]), want=len(committed), grace=1.0)
    envelopes = [Envelope.model_validate_json(r.value) for r in records]
    ids = [e.id for e in envelopes]
    assert len(ids) == len(set(ids)), "a row was sent twice"
    assert sorted(ids) == sorted(committed)
    order = {event_id: n for n, event_id in enumerate(committed)}
    for key in {e.subject for e in envelopes}:
        seen = [order[e.id] for e in envelopes if e.subject == key]
        assert seen == sorted(seen), f"events of {key} out of order"
    assert await relay.pending() == 0
    assert relay.published_total == len(committed)
