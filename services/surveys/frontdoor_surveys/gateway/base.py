"""The SMS gateway interface: send one message; failures say whether a retry may help."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One SMS as handed to a gateway; `reference` is ours, so a provider can dedupe a resend."""

    reference: uuid.UUID
    tenant_id: str
    to: str
    sender: str
    body: str


@dataclass(frozen=True)
class SendReceipt:
    """The gateway accepted the message under the provider's id."""

    provider_message_id: str


class GatewayError(Exception):
    """The gateway did not take the message; it may take it later (outage, throttling)."""


class RejectedByGateway(GatewayError):
    """The gateway refused the message for good (a bad number, a bad request): no retry."""


class SmsGateway(Protocol):
    """Something that sends SMS: the file gateway (embedded default) or a provider over HTTP."""

    name: str

    async def send(self, message: OutgoingMessage) -> SendReceipt:
        """Hand one message over; raise GatewayError (retry later) or RejectedByGateway (give up)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
