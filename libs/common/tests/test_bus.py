"""The outbox, the relay, the inbox and dead letters, on the real broker and databases."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
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
        # the relay marks a row sent after the broker's ack, so a reader can see the record a moment
        # before the mark commits (a CI run on PostgreSQL checked in between): wait for the mark
        await eventually(lambda: relay.published_total == 1, timeout=15)
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


@pytest.mark.slow
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


@pytest.mark.slow
async def test_a_re_publish_that_fails_on_the_new_broker_is_tried_again_at_the_next_watch(
    db: Database, settings: ServiceSettings
) -> None:
    """Issue 19's broker-restart loss: the relay adopted the new broker's id before re-publishing;
    when creating the topics on the just-started broker failed, the next watch saw a known id and
    the window never went back on the broker (the consumer, caught up with what the new broker
    held, reported no lag)."""
    broker = LocalBroker().start()
    settings = settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap, "broker_watch_interval_s": 0.2})
    bus = KafkaBus(broker.bootstrap, client_id="republish-retry-test")
    await bus.start()
    box = Outbox("libtest")
    relay = make_relay(db, bus, settings)
    box.on_commit(relay.wake)
    await relay.start()
    real_ensure = relay._ensure_topics
    failures = 0

    async def failing_once() -> None:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise ConnectionError("the new broker refused the topics for a moment")
        await real_ensure()

    try:
        async with db.transaction() as s:
            for i in range(20):
                await box.add(s, Deposit(account=f"a{i % 3}"), tenant="t1")
        await eventually(lambda: relay.published_total >= 20)
        relay._ensure_topics = failing_once  # type: ignore[method-assign]
        broker.restart()  # same port, new cluster id, nothing stored
        records = await read_records(broker.bootstrap, settings.topic(TOPICS[0]), want=20, timeout=30)
    finally:
        await relay.stop()
        await bus.stop()
        broker.stop()
    assert failures == 1  # the first attempt on the new broker failed; the window came back anyway
    assert len({Envelope.model_validate_json(r.value).id for r in records}) == 20


@pytest.mark.slow
async def test_events_on_a_restarted_broker_below_a_stale_committed_offset_are_not_skipped(
    db: Database, settings: ServiceSettings
) -> None:
    """The chaos finding: events published right after a broker restart, before the re-publish,
    were never consumed. A commit made with the old broker's numbering (aiokafka retries a commit
    in flight, so it lands on the new broker) put the re-formed group past them."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    from frontdoor_common.bus.kafka import ensure_topics
    from frontdoor_common.testing import publish

    broker = LocalBroker().start()
    settings = settings.model_copy(update={"kafka_bootstrap_servers": broker.bootstrap})
    topic = settings.topic(TOPICS[0])
    bus = KafkaBus(broker.bootstrap, client_id="stale-commit-test")
    await bus.start()
    consumer = make_consumer(db, bus, settings, Outbox("libtest"))
    producer: AIOKafkaProducer | None = None
    try:
        await ensure_topics(broker.bootstrap, [topic], partitions=2)
        await consumer.start()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        old = [await publish(producer, topic, Deposit(account=f"a{i % 7}"), tenant="t1") for i in range(200)]
        await eventually(lambda: consumer.handled == 200)
        await producer.stop()

        broker.restart()  # same port, new cluster id, nothing stored
        await ensure_topics(broker.bootstrap, [topic], partitions=2)
        # the old numbering's commit lands on the new broker (if the group lets it in)
        stale = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=consumer.group_id)
        await stale.start()
        try:
            parts = [TopicPartition(topic, p) for p in range(2)]
            stale.assign(parts)
            await stale.commit(dict.fromkeys(parts, 150))
        except Exception:
            pass
        finally:
            await stale.stop()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        # new events first (offsets 0.. on the new broker), then the old window re-published
        for i in range(5):
            await publish(producer, topic, Deposit(account=f"new{i}"), tenant="t1")
        for envelope in old:
            await producer.send_and_wait(topic, envelope.model_dump_json().encode(), key=envelope.subject.encode())
        await eventually(lambda: consumer.handled == 205, timeout=40)
        # the member id written down for a crash is the one the group on the new broker knows
        member = consumer.consumer._coordinator.member_id  # type: ignore[union-attr]
        assert consumer._member_file.read_text() == member
    finally:
        if producer is not None:
            await producer.stop()
        await consumer.stop()
        await bus.stop()
        broker.stop()
    assert await ledger_state(db) == (205, 205)


async def test_a_batch_in_flight_while_the_window_is_re_published_is_sent_again_not_marked_sent(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    """The intermittent loss behind the broker-restart flake: a batch sent just as the broker
    died was partly acked by the dying broker; the relay's watch saw the new broker and
    re-published the window (rows already marked sent) while the batch still waited for its
    other acks; then the batch was marked sent. Its events existed only on the dead broker."""
    relay = make_relay(db, bus, settings)
    box = Outbox("libtest")
    async with db.transaction() as s:
        await box.add(s, Deposit(account="in-flight"), tenant="t1")
    real_send = bus.producer.send
    release = asyncio.Event()
    sending = asyncio.Event()

    async def held_send(*args: Any, **kwargs: Any) -> Any:
        sending.set()
        await release.wait()  # the ack is late: the broker is restarting
        return await real_send(*args, **kwargs)

    bus.producer.send = held_send  # type: ignore[method-assign]
    try:
        batch = asyncio.create_task(relay.publish_batch())
        await asyncio.wait_for(sending.wait(), 10)
        await relay.republish()  # the watch noticed the new broker meanwhile
        release.set()
        assert await asyncio.wait_for(batch, 20) == 1
    finally:
        bus.producer.send = real_send  # type: ignore[method-assign]
    assert await relay.pending() == 1  # still to send: the next pass sends it to the new broker
    assert await relay.publish_batch() == 1
    assert await relay.pending() == 0
