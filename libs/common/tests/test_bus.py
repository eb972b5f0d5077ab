"""The outbox, the relay, the inbox and dead letters, on the real broker and databases."""

from __future__ import annotations

import contextlib

from sqlalchemy import func, select

from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import inbox, outbox
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import eventually, read_records
from frontdoor_common.testing.ledger import TOPICS, Deposit, ledger_state, make_consumer, make_relay


async def test_a_rolled_back_transaction_publishes_nothing_and_a_committed_one_is_published_once_the_relay_starts(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    box = Outbox("libtest")
    # The relay is down while both transactions run.
    with contextlib.suppress(RuntimeError):
        async with db.transaction() as s:
            await box.add(s, Deposit(account="rolled-back", amount=5), tenant="t1")
            raise RuntimeError("the state change failed after the event was staged")
    async with db.transaction() as s:
        committed = await box.add(s, Deposit(account="committed", amount=7), tenant="t1")

    relay = make_relay(db, bus, settings)
    await relay.start()
    try:
        records = await read_records(bus.bootstrap, settings.topic(TOPICS[0]), want=1)
    finally:
        await relay.stop()

    envelopes = [Envelope.model_validate_json(r.value) for r in records]
    assert [e.id for e in envelopes] == [committed.id]
    assert envelopes[0].subject == "committed"
    assert records[0].key == b"committed"
    assert envelopes[0].data == {"account": "committed", "amount": 7}
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).where(outbox.c.sent_at.is_(None))) == 0


async def test_events_of_one_key_arrive_in_the_order_they_were_committed(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    box = Outbox("libtest")
    for i in range(50):
        async with db.transaction() as s:
            await box.add(s, Deposit(account=f"acct-{i % 3}", amount=i), tenant="t1")
    relay = make_relay(db, bus, settings)
    await relay.start()
    try:
        records = await read_records(bus.bootstrap, settings.topic(TOPICS[0]), want=50)
    finally:
        await relay.stop()
    by_key: dict[str, list[int]] = {}
    for r in records:
        e = Envelope.model_validate_json(r.value)
        by_key.setdefault(e.subject, []).append(e.data["amount"])
    assert sum(len(v) for v in by_key.values()) == 50
    for amounts in by_key.values():
        assert amounts == sorted(amounts)


async def test_a_redelivered_event_changes_nothing(db: Database, bus: KafkaBus, settings: ServiceSettings) -> None:
    box = Outbox("libtest")
    async with db.transaction() as s:
        for _ in range(20):
            await box.add(s, Deposit(account="a", amount=1), tenant="t1")
    relay = make_relay(db, bus, settings)
    await relay.start()
    first = make_consumer(db, bus, settings, box, name="ledger")
    await first.start()
    try:
        await eventually(lambda: first.handled == 20)
    finally:
        await first.stop()
    # Publish the same rows again (as after a relay crash) and consume with a new group
    # that reads everything from the beginning: 40 deliveries, 20 effects.
    await relay.republish()
    replay = make_consumer(db, bus, settings, box, name="ledger")
    replay.group_id += ".again"
    await replay.start()
    try:
        await eventually(lambda: replay.duplicates >= 40 - 20)
    finally:
        await replay.stop()
        await relay.stop()
    assert await ledger_state(db) == (20, 20)


async def test_a_poison_event_goes_to_the_dead_letter_topic_after_its_retries_and_the_consumer_goes_on(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    box = Outbox("libtest")
    async with db.transaction() as s:
        await box.add(s, Deposit(account="a", amount=1), tenant="t1")
        poison = await box.add(s, Deposit(account="a", amount=-1), tenant="t1")
        await box.add(s, Deposit(account="a", amount=2), tenant="t1")
    relay = make_relay(db, bus, settings)
    await relay.start()
    consumer = make_consumer(db, bus, settings, box)
    await consumer.start()
    try:
        await eventually(lambda: consumer.handled == 2 and consumer.dead_lettered == 1)
        dead = await read_records(bus.bootstrap, settings.topic(TOPICS[0] + ".dlq"), want=1)
    finally:
        await consumer.stop()
        await relay.stop()
    assert await ledger_state(db) == (2, 3)
    assert len(dead) == 1
    assert Envelope.model_validate_json(dead[0].value).id == poison.id
    headers = {k: v.decode() for k, v in dead[0].headers}
    assert headers["x-dead-letter-consumer"] == "ledger"
    assert headers["x-dead-letter-attempts"] == str(settings.consumer_max_retries + 1)
    assert "negative deposits are poison" in headers["x-dead-letter-error"]
    async with db.transaction() as s:
        status = await s.scalar(select(inbox.c.status).where(inbox.c.event_id == poison.id))
    assert status == "dead"


async def test_an_unparseable_message_is_dead_lettered_at_once(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    relay = make_relay(db, bus, settings)
    await relay.start()  # creates the topics
    await bus.producer.send_and_wait(settings.topic(TOPICS[0]), b"not json at all", key=b"x")
    box = Outbox("libtest")
    consumer = make_consumer(db, bus, settings, box)
    await consumer.start()
    try:
        await eventually(lambda: consumer.dead_lettered == 1)
        dead = await read_records(bus.bootstrap, settings.topic(TOPICS[0] + ".dlq"), want=1)
    finally:
        await consumer.stop()
        await relay.stop()
    assert dead[0].value == b"not json at all"
    assert dict(dead[0].headers)["x-dead-letter-attempts"] == b"0"


async def test_a_broker_restarted_empty_gets_every_event_back_and_the_inbox_makes_the_replay_harmless(
    db: Database, settings: ServiceSettings
) -> None:
    broker = LocalBroker().start()
    settings = settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})
    bus = KafkaBus(broker.bootstrap, client_id="restart-test")
    await bus.start()
    box = Outbox("libtest")
    relay = make_relay(db, bus, settings)
    box.on_commit(relay.wake)
    await relay.start()
    consumer = make_consumer(db, bus, settings, box)
    await consumer.start()
    try:
        async with db.transaction() as s:
            for i in range(100):
                await box.add(s, Deposit(account=f"a{i % 7}", amount=1), tenant="t1")
        await eventually(lambda: consumer.handled == 100)

        broker.restart()  # same port, new cluster id, nothing stored
        # The relay notices the new broker and re-publishes the window by itself; the
        # consumer notices too and reads the new log from its start.
        await eventually(lambda: consumer.duplicates >= 100, timeout=30)
        async with db.transaction() as s:
            for _ in range(10):
                await box.add(s, Deposit(account="after", amount=1), tenant="t1")
        await eventually(lambda: consumer.handled == 110, timeout=30)
        records = await read_records(broker.bootstrap, settings.topic(TOPICS[0]), want=110)
    finally:
        await consumer.stop()
        await relay.stop()
        await bus.stop()
        broker.stop()
    assert len({Envelope.model_validate_json(r.value).id for r in records}) == 110
    assert await ledger_state(db) == (110, 110)
