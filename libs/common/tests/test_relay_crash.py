"""The relay as a real process, killed with SIGKILL in the middle of 10,000 events."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select

from frontdoor_common.bus.kafka import KafkaBus, ensure_topics
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import outbox
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import eventually
from frontdoor_common.testing.ledger import TOPICS, Deposit, ledger_state, make_consumer

N = 10_000


def _relay(settings: ServiceSettings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "frontdoor_common.bus.relay",
            "--database-url",
            settings.effective_database_url,
            "--bootstrap",
            str(settings.kafka_bootstrap_servers),
            "--topic-prefix",
            settings.topic_prefix,
            "--batch-size",
            "1000",
            "--partitions",
            "2",
            "--service",
            "libtest",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "FRONTDOOR_ENV": "test"},
    )


async def _published(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> int:
    return sum((await consumer.end_offsets(partitions)).values())


async def _sent(db: Database) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).where(outbox.c.sent_at.is_not(None))) or 0)


@pytest.mark.slow
async def test_a_relay_killed_mid_batch_loses_nothing_and_the_inbox_absorbs_what_it_sends_again(
    db: Database, bus: KafkaBus, settings: ServiceSettings
) -> None:
    box = Outbox("libtest")
    async with db.transaction() as s:
        for start in range(0, N, 1000):
            await box.add_many(
                s, [Deposit(account=f"a{i % 50}", amount=1) for i in range(start, start + 1000)], tenant="t1"
            )
    topic = settings.topic(TOPICS[0])
    await ensure_topics(bus.bootstrap, [topic, topic + ".dlq"], partitions=2)
    watcher = AIOKafkaConsumer(bootstrap_servers=bus.bootstrap)
    await watcher.start()
    partitions = [TopicPartition(topic, p) for p in range(2)]

    relay = _relay(settings)
    killed_at = None
    try:
        # Kill it while a batch is on the broker but not yet marked sent: the worst moment.
        deadline = asyncio.get_running_loop().time() + 60
        while asyncio.get_running_loop().time() < deadline:
            published, sent = await _published(watcher, partitions), await _sent(db)
            if published > sent and published < N:
                relay.send_signal(signal.SIGKILL)
                killed_at = (published, sent)
                break
            await asyncio.sleep(0.002)
        relay.wait(10)
        assert killed_at is not None, "the relay finished before it could be killed mid-batch"
        assert relay.returncode == -signal.SIGKILL
        assert await _sent(db) < N

        relay = _relay(settings)  # restarted: it re-sends the unmarked batch and the rest
        await eventually(lambda: _all_sent(db), timeout=60)
        consumer = make_consumer(db, bus, settings, box)
        await consumer.start()
        try:
            await eventually(lambda: consumer.handled == N, timeout=180, interval=0.2)
            await asyncio.sleep(1.0)  # anything still in flight would be a second effect
        finally:
            await consumer.stop()
    finally:
        relay.kill()
        relay.wait(10)
        await watcher.stop()
    # Every event took effect exactly once; what the killed relay had sent without marking
    # went out again and the inbox absorbed it.
    print(
        f"killed at published={killed_at[0]} marked sent={killed_at[1]}; applied={consumer.handled}, "
        f"duplicates absorbed={consumer.duplicates}"
    )
    assert consumer.handled == N
    assert await ledger_state(db) == (N, N)


async def _all_sent(db: Database) -> bool:
    return await _sent(db) == N
