"""The bus, tailed: every console instance reads the routing and agents topics from their end.

No consumer group (each instance must see every event, and none is a unit of work to commit):
the partitions are read from the latest offset, the tenant is taken off each envelope, and
that tenant's boards are poked. Losing events here loses nothing: the boards also refresh on a
timer. Without a broker (tests in one process) the worker does not start.
"""

from __future__ import annotations

import asyncio
import json

from aiokafka import AIOKafkaConsumer

from frontdoor_common.bus import topics
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_console.live.hub import Hub
from frontdoor_console.settings import Settings

log = get_logger(__name__)

# Which boards each producer's events may change.
BOARDS_BY_TOPIC = {topics.ROUTING: ("queues",), topics.AGENTS: ("queues", "presence")}


class EventFeed(TaskWorker):
    """Pokes the hub's boards on the services' events."""

    name = "event-feed"

    def __init__(self, settings: Settings, hub: Hub, bootstrap: str) -> None:
        super().__init__()
        self.settings = settings
        self.hub = hub
        self.bootstrap = bootstrap
        self.seen = 0
        self.kinds = {settings.topic(name): kinds for name, kinds in BOARDS_BY_TOPIC.items()}

    async def run(self) -> None:
        """Read until stopped; on broker trouble, start over after a pause."""
        while True:
            consumer = AIOKafkaConsumer(
                *self.kinds,
                bootstrap_servers=self.bootstrap,
                group_id=None,
                enable_auto_commit=False,
                auto_offset_reset="latest",
                metadata_max_age_ms=5000,  # topics made after we start are found soon
                client_id=f"frontdoor-console-feed-{self.settings.port}",
            )
            try:
                await consumer.start()
                async for record in consumer:
                    self._poke(record.topic, record.value)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("the event feed stopped; starting over", error=type(exc).__name__)
            finally:
                try:
                    await consumer.stop()
                except Exception as exc:
                    log.debug("the event feed's consumer did not stop cleanly", error=type(exc).__name__)
            await asyncio.sleep(1.0)

    def _poke(self, topic: str, value: bytes | None) -> None:
        self.seen += 1
        try:
            tenant = json.loads(value or b"{}").get("tenant")
        except (ValueError, AttributeError):
            return
        if isinstance(tenant, str):
            self.hub.poke(tenant, *self.kinds.get(topic, ()))
