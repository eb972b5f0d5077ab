"""Test helpers on the real broker: publish as another service would, read a topic back."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from frontdoor_common.bus.events import Envelope, Event


async def publish(
    producer: AIOKafkaProducer,
    topic: str,
    event: Event,
    *,
    tenant: str,
    source: str = "test",
    envelope_id: str | None = None,
) -> Envelope:
    """Produce `event` in its envelope, keyed by its aggregate, as the producing service's relay would."""
    envelope = Envelope.wrap(event, tenant=tenant, source=source)
    if envelope_id is not None:
        envelope = envelope.model_copy(update={"id": envelope_id})
    await producer.send_and_wait(topic, envelope.model_dump_json().encode(), key=envelope.subject.encode())
    return envelope


async def read_records(
    bootstrap: str, topic: str, *, want: int = 0, timeout: float = 15.0, grace: float = 0.3
) -> list[Any]:
    """Every record on `topic` from the beginning: at least `want` (or until `timeout`), then
    whatever else arrives until the topic has been quiet for `grace` seconds."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < want and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        while batches := await consumer.getmany(timeout_ms=int(grace * 1000)):
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def read_envelopes(
    bootstrap: str, topic: str, *, want: int = 0, timeout: float = 15.0, grace: float = 0.3
) -> list[Envelope]:
    """The envelopes on `topic` from the beginning (see `read_records`)."""
    records = await read_records(bootstrap, topic, want=want, timeout=timeout, grace=grace)
    return [Envelope.model_validate_json(r.value) for r in records]
