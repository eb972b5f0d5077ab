"""Topics are made on purpose, with the configured partitions, never by asking about them.

Issue 19: after the local broker restarted empty, a consumer asked about its topics a moment
before the publishing service's relay re-created them; the broker made them on that request with
its own default (4 partitions), the relay's producer still knew 6 and sent to partitions 4 and 5,
and those events were never assigned to anyone (the broker-restart test lost 111 of 797).
"""

from __future__ import annotations

import signal

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import eventually
from frontdoor_common.testing.ledger import TOPICS, Deposit, ledger_state, make_consumer, make_relay


async def _partitions(bootstrap: str) -> dict[str, int]:
    """Each topic on the broker and how many partitions it has."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(await admin.list_topics())
    finally:
        await admin.close()
    return {t["topic"]: len(t["partitions"]) for t in described if t.get("error_code", 0) == 0}


async def _ask_about(bootstrap: str, topic: str) -> None:
    """What a consumer's client does when it (re)connects: ask the broker about its topics."""
    client = AIOKafkaConsumer(bootstrap_servers=bootstrap)._client
    await client.bootstrap()
    try:
        client.add_topic(topic)
        await client.force_metadata_update()
    finally:
        await client.close()


async def test_asking_about_a_topic_does_not_create_it(bus: KafkaBus, settings: ServiceSettings) -> None:
    name = settings.topic("frontdoor.nobody-makes-this.v1")
    await _ask_about(bus.bootstrap, name)
    assert name not in await _partitions(bus.bootstrap)


async def test_a_consumer_that_starts_before_any_publisher_makes_its_topics_with_our_partitions(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    settings = settings.model_copy(update={"topic_partitions": 3})
    box = Outbox("libtest")
    consumer = make_consumer(db, bus, settings, box)
    await consumer.start()
    try:
        await eventually(lambda: consumer.running, timeout=30)
        assert (await _partitions(bus.bootstrap))[settings.topic(TOPICS[0])] == 3
        assert consumer.consumer is not None
        assert len(consumer.consumer.assignment()) == 3
        relay = make_relay(db, bus, settings)
        box.on_commit(relay.wake)
        await relay.start()
        try:
            async with db.transaction() as s:
                for n in range(9):
                    await box.add(s, Deposit(account=f"a{n}"), tenant="t1")
            await eventually(lambda: consumer.handled == 9, timeout=30)
        finally:
            await relay.stop()
    finally:
        await consumer.stop()
    assert await ledger_state(db) == (9, 9)


async def test_after_a_broker_restarted_empty_a_client_asking_first_does_not_decide_the_partitions(
    db: Database, settings: ServiceSettings
) -> None:
    """The race itself, made certain: the topic is asked about on the new broker before anyone
    re-creates it. The relay then makes it with 6 partitions, and the consumer (which notices the
    new broker and refreshes its metadata) is assigned all 6 and handles every event."""
    broker = LocalBroker().start()
    settings = settings.model_copy(
        update={"kafka_bootstrap_servers": broker.bootstrap, "topic_partitions": 6, "broker_watch_interval_s": 0.2}
    )
    producer_bus = KafkaBus(broker.bootstrap, client_id="topic-creation-producer")
    consumer_bus = KafkaBus(broker.bootstrap, client_id="topic-creation-consumer")
    await producer_bus.start()
    await consumer_bus.start()
    box = Outbox("libtest")
    relay = make_relay(db, producer_bus, settings)
    box.on_commit(relay.wake)
    consumer = make_consumer(db, consumer_bus, settings, box)
    try:
        await relay.start()
        await consumer.start()
        async with db.transaction() as s:
            for n in range(12):
                await box.add(s, Deposit(account=f"before{n}"), tenant="t1")
        await eventually(lambda: consumer.running and consumer.handled == 12, timeout=30)

        assert broker.process is not None
        broker.process.send_signal(signal.SIGKILL)
        broker.process.wait()
        broker.stop()
        broker.start()
        await _ask_about(broker.bootstrap, settings.topic(TOPICS[0]))

        async with db.transaction() as s:
            for n in range(12):
                await box.add(s, Deposit(account=f"after{n}"), tenant="t1")
        await eventually(lambda: consumer.handled >= 24, timeout=90)
        assert (await _partitions(broker.bootstrap))[settings.topic(TOPICS[0])] == 6
        await eventually(lambda: consumer.consumer is not None and len(consumer.consumer.assignment()) == 6, timeout=30)
    finally:
        await consumer.stop()
        await relay.stop()
        await consumer_bus.stop()
        await producer_bus.stop()
        broker.stop()
    assert await ledger_state(db) == (24, 24)
