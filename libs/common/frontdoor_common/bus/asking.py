"""Asking about a topic never creates it.

aiokafka sends every metadata request with `allow_auto_topic_creation` true and has no option
to turn it off (the Java client's `allow.auto.create.topics`). A broker that creates topics on
demand then makes any topic a client merely asks about, with the broker's default partition
count, not ours. The local broker (Tansu) does so with 4 partitions. After it restarted empty, a
consumer asking about its topics a moment before the producing service's relay re-created them
(with `topic_partitions`, 6) got 4-partition topics, while the relay's producer still knew 6 and
sent to partitions 4 and 5: events that no member of the group was ever assigned (issue 19, the
broker-restart test's "4 of 6 partitions" failure).

So every metadata request this process sends says "do not create". Topics are made only on
purpose, with the configured partitions: by the relays of the services that publish to them and
by the consumers that read them (`ensure_topics`). Importing `frontdoor_common.bus` applies it.
"""

from __future__ import annotations

import aiokafka.admin.client as _admin_client
import aiokafka.client as _client
from aiokafka.protocol.metadata import MetadataRequest


class AskOnlyMetadataRequest(MetadataRequest):  # type: ignore[misc]
    """A metadata request that does not ask the broker to create the topics it names."""

    def __init__(self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False) -> None:
        super().__init__(topics, allow_auto_topic_creation=bool(allow_auto_topic_creation))


def ask_without_creating() -> None:
    """Make aiokafka's clients (consumer, producer, admin) send `AskOnlyMetadataRequest`."""
    _client.MetadataRequest = AskOnlyMetadataRequest  # type: ignore[misc]
    _admin_client.MetadataRequest = AskOnlyMetadataRequest  # type: ignore[misc]


ask_without_creating()
