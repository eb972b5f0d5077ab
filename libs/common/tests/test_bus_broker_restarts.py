"""Consumers across repeated broker kills (SIGKILL, restarted empty on the same port).

The chaos finding (20:08): after the 3rd broker kill the consumers logged "broker restarted
empty; consuming from the beginning" and never applied another event, while readiness
said 200. Here a relay publishes a steady stream of events through the outbox while the
broker is killed and restarted three times; every event must be handled once (the replay
of the old ones is absorbed by the inbox), and the consumer must report itself running
only while it really consumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.bus.consumer import ConsumerRunner
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.relay import OutboxRelay
from frontdoor_common.bus.tables import inbox, outbox
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.telemetry import Metrics
from frontdoor_common.testing import eventually
from frontdoor_common.testing.ledger import TOPICS, Deposit, apply_deposit, ledger_state, make_consumer, make_relay

pytestmark = pytest.mark.slow  # brokers killed and restarted: `make test-slow`

OTHER_TOPIC = "frontdoor.test2.v1"


async def slow_deposit(session: AsyncSession, envelope: Envelope) -> None:
    """A handler that takes a while (the services' handlers do database work under load)."""
    await asyncio.sleep(0.01)
    await apply_deposit(session, envelope)


class OtherDeposit(Deposit):
    """The same event on a second topic (the services' consumers read several)."""

    topic = OTHER_TOPIC


async def _where_the_missing_are(
    db: Database, broker: LocalBroker, settings: ServiceSettings, consumer: ConsumerRunner
) -> dict[str, object]:
    """For a failure: which published events were not handled, whether the outbox still holds
    them unsent, and where (partition, offset) the broker holds them against the consumer's
    positions."""
    async with db.transaction() as s:
        rows = (await s.execute(select(outbox.c.event_id, outbox.c.sent_at))).all()
        handled = {e for (e,) in (await s.execute(select(inbox.c.event_id).where(inbox.c.consumer == "ledger"))).all()}
    missing = {e for e, _ in rows} - handled
    unsent = sum(1 for e, sent in rows if e in missing and sent is None)
    reader = AIOKafkaConsumer(
        bootstrap_servers=broker.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await reader.start()
    on_broker: dict[str, tuple[str, int, int]] = {}
    highs: dict[str, int] = {}
    try:
        tps = [
            TopicPartition(settings.topic(t), p)
            for t in [*TOPICS, OTHER_TOPIC]
            for p in (reader.partitions_for_topic(settings.topic(t)) or set())
        ]
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        ends = await reader.end_offsets(tps)
        highs = {f"{tp.topic[-6:]}/{tp.partition}": end for tp, end in ends.items()}
        for _ in range(200):
            if all([await reader.position(tp) >= end for tp, end in ends.items()]):
                break
            for tp, records in (await reader.getmany(timeout_ms=1000)).items():
                for r in records:
                    event_id = json.loads(r.value or b"{}").get("id", "")
                    on_broker.setdefault(event_id, (tp.topic[-6:], tp.partition, r.offset))
    finally:
        await reader.stop()
    places = sorted(on_broker[e] for e in missing if e in on_broker)
    positions = {f"{tp.topic[-6:]}/{tp.partition}": p for tp, p in consumer._position.items()}
    aio = consumer.consumer
    assigned = sorted(f"{tp.topic[-6:]}/{tp.partition}" for tp in (aio.assignment() if aio is not None else ()))
    return {
        "missing": len(missing),
        "missing_unsent_in_outbox": unsent,
        "missing_not_on_broker": sum(1 for e in missing if e not in on_broker),
        "missing_on_broker_at": places[:40],
        "broker_end_offsets": highs,
        "consumer_positions": positions,
        "consumer_assignment": assigned,
        "consumer_new_broker": (consumer._new_broker, consumer._cluster_id, broker.cluster_id),
    }


def _kill(broker: LocalBroker) -> None:
    assert broker.process is not None
    broker.process.send_signal(signal.SIGKILL)
    broker.process.wait()
    broker.stop()


@pytest.mark.parametrize(
    ("downtime", "production_timings"),
    [
        (0.2, False),
        # With the services' own timings this still fails now and then (issue 19): it runs with
        # `make chaos`, beside the chaos test, until that is found; not yet a CI step.
        pytest.param(5.0, True, marks=pytest.mark.chaos),
        (5.0, "fast-watch"),
    ],
    ids=["short-downtime", "chaos-timings", "consumer-sees-the-new-broker-before-its-group-does"],
)
async def test_a_consumer_handles_every_event_across_three_broker_kills(
    db: Database, settings: ServiceSettings, downtime: float, production_timings: bool | str
) -> None:
    broker = LocalBroker().start()
    update: dict[str, object] = {"kafka_bootstrap_servers": broker.bootstrap, "topic_partitions": 6}
    if production_timings:  # what the services run with (the chaos run)
        update |= {
            "broker_watch_interval_s": 2.0,
            "consumer_session_timeout_ms": 10000,
            "consumer_heartbeat_interval_ms": 1000,
        }
    if production_timings == "fast-watch":
        update["broker_watch_interval_s"] = 0.1
    settings = settings.model_copy(update=update)
    # As in the services: the producing service's relay (its own producer; it re-creates the
    # topic on a new broker when its watch notices) and the consuming service's bus.
    producer_bus = KafkaBus(broker.bootstrap, client_id="restarts-test-producer")
    await producer_bus.start()
    box = Outbox("libtest")
    relay = OutboxRelay(db, producer_bus, settings, Metrics("libtest"), topics=[*TOPICS, OTHER_TOPIC])
    box.on_commit(relay.wake)
    await relay.start()
    bus = KafkaBus(broker.bootstrap, client_id="restarts-test-consumer")
    await bus.start()
    consumer = ConsumerRunner(
        "ledger",
        [*TOPICS, OTHER_TOPIC],
        slow_deposit,
        db=db,
        settings=settings,
        bus=bus,
        metrics=Metrics("libtest"),
        outbox=box,
    )
    await consumer.start()
    published = 0
    stop_publishing = asyncio.Event()

    async def publish_steadily() -> None:
        nonlocal published
        while not stop_publishing.is_set():
            async with db.transaction() as s:
                kind = OtherDeposit if published % 2 else Deposit
                await box.add(s, kind(account=f"a{published % 5}", amount=1), tenant="t1")
            published += 1
            await asyncio.sleep(0.05)

    publisher = asyncio.create_task(publish_steadily())
    cycles: list[dict[str, float]] = []
    try:
        await eventually(lambda: consumer.running and consumer.handled >= 20, timeout=30)
        for cycle in range(3):
            before = published
            _kill(broker)
            killed = time.monotonic()
            await asyncio.sleep(downtime)
            broker.start()
            # events committed after the restart must all be handled
            target = published + 20
            await eventually(lambda t=target: published >= t, timeout=30)  # type: ignore[misc]
            try:
                await eventually(lambda t=target: consumer.handled >= t, timeout=90)  # type: ignore[misc]
            except AssertionError:
                for task in asyncio.all_tasks():
                    task.print_stack(limit=6)
                state = (consumer.state, consumer.running, consumer.handled, published, before)
                raise AssertionError(f"cycle {cycle + 1}: consumer stopped consuming: {state}") from None
            cycles.append({"cycle": cycle + 1, "caught_up_s": round(time.monotonic() - killed, 2)})
        stop_publishing.set()
        await publisher
        try:
            # room for the stall watch to replace a consumer that stopped fetching, and a new join
            await eventually(lambda: consumer.handled >= published, timeout=consumer.stall_after_s + 60)
        except AssertionError:
            last = (consumer.state, consumer.running, consumer.restarts, consumer.handled, published, consumer.lag())
            where = await _where_the_missing_are(db, broker, settings, consumer)
            raise AssertionError(f"after the last cycle: not every event handled: {last}; {where}") from None
        assert consumer.handled == published
        assert consumer.running
    finally:
        stop_publishing.set()
        publisher.cancel()
        with contextlib.suppress(BaseException):
            await publisher
        await consumer.stop()
        await relay.stop()
        await bus.stop()
        await producer_bus.stop()
        broker.stop()
    print("cycles", cycles, "published", published, "duplicates", consumer.duplicates)
    assert await ledger_state(db) == (published, published)


@pytest.mark.parametrize("failure", ["poll-hangs", "loop-dies", "fetcher-stops"])
async def test_a_consumer_that_no_longer_consumes_is_not_running_and_is_replaced(
    db: Database, bus: KafkaBus, settings: ServiceSettings, failure: str
) -> None:
    """Readiness reads `running`: a consume loop that hangs in a poll or ended must not say True
    (the chaos run's /readyz said 200 while three consumers had stopped), nor one whose fetcher
    stopped fetching (a broker-restart run ended with the consumer running, lag 0 and hundreds of
    events unread); and a new consumer takes over."""
    box = Outbox("libtest")
    relay = make_relay(db, bus, settings)
    box.on_commit(relay.wake)
    await relay.start()
    consumer = make_consumer(db, bus, settings, box)
    consumer.stall_after_s = 3.0
    await consumer.start()
    try:
        async with db.transaction() as s:
            await box.add(s, Deposit(account="before"), tenant="t1")
        await eventually(lambda: consumer.running and consumer.handled == 1, timeout=30)
        broken = consumer.consumer
        assert broken is not None

        async def hang(*_a: object, **_kw: object) -> dict[object, object]:
            await asyncio.Event().wait()
            return {}

        async def die(*_a: object, **_kw: object) -> dict[object, object]:
            raise asyncio.CancelledError()  # as if something inside the client cancelled the loop

        if failure == "fetcher-stops":
            # Polls return (empty) but nothing is fetched any more, and the fetcher's high
            # watermark stays where it was: the consumer must not call that caught up.
            frozen = {tp: broken.highwater(tp) for tp in broken.assignment()}
            broken.pause(*broken.assignment())
            broken.highwater = frozen.get  # type: ignore[method-assign]
        else:
            broken.getmany = hang if failure == "poll-hangs" else die
        began = time.monotonic()
        if failure == "fetcher-stops":  # an event it should fetch, so there is lag to see
            async with db.transaction() as s:
                await box.add(s, Deposit(account="after"), tenant="t1")
        await eventually(lambda: not consumer.running, timeout=15)
        noticed = time.monotonic() - began
        if failure != "fetcher-stops":
            async with db.transaction() as s:
                await box.add(s, Deposit(account="after"), tenant="t1")
        await eventually(lambda: consumer.running and consumer.handled == 2, timeout=40)
        assert consumer.consumer is not broken and consumer.restarts >= 1
        print(f"{failure}: not running after {noticed:.1f} s, replaced after {time.monotonic() - began:.1f} s")
    finally:
        await consumer.stop()
        await relay.stop()
    assert await ledger_state(db) == (2, 2)
