"""aiokafka wiring: the producer, topic creation and the broker's identity."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.protocol.metadata import MetadataRequest

from frontdoor_common.logging import get_logger

log = get_logger(__name__)


async def ensure_topics(bootstrap: str, topics: Iterable[str], *, partitions: int, replication: int = 1) -> None:
    """Create the topics that do not exist yet (a fresh local broker has none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(t, partitions, replication) for t in missing])
            except TopicAlreadyExistsError:
                pass
            log.info("topics created", topics=missing, partitions=partitions)
    finally:
        await admin.close()


class KafkaBus:
    """One producer per process, shared by the relay; also answers who the broker is."""

    def __init__(self, bootstrap: str, *, client_id: str) -> None:
        self.bootstrap = bootstrap
        self.producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            enable_idempotence=False,  # the local broker has no idempotent producer: the inbox dedupes
            linger_ms=0,  # send at once: a batch forms anyway while a request is in flight
            max_batch_size=256 * 1024,
            request_timeout_ms=15000,
        )
        self.started = False

    async def start(self) -> None:
        """Connect the producer."""
        await self.producer.start()
        self.started = True

    async def stop(self) -> None:
        """Flush and close."""
        if self.started:
            self.started = False
            await self.producer.stop()

    async def cluster_id(self, timeout: float = 5.0) -> str | None:
        """The broker cluster's id; the local broker gets a new one each start, so a change
        means the broker restarted and forgot everything."""
        client = self.producer.client
        node = client.get_random_node()
        if node is None:
            await asyncio.wait_for(client.force_metadata_update(), timeout)
            node = client.get_random_node()
            if node is None:
                return None
        response = await asyncio.wait_for(client.send(node, MetadataRequest([])), timeout)
        return getattr(response, "cluster_id", None)

    async def ping(self, timeout: float = 3.0) -> None:
        """Raise unless the broker answers a metadata request."""
        updated = await asyncio.wait_for(self.producer.client.force_metadata_update(), timeout)
        if not updated or self.producer.client.get_random_node() is None:
            raise ConnectionError("no broker reachable")
