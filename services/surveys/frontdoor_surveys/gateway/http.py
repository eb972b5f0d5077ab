"""The HTTP gateway: a provider's REST API (URL, credentials); delivery receipts come back signed."""

from __future__ import annotations

from typing import Any

import httpx

from frontdoor_surveys.gateway.base import GatewayError, OutgoingMessage, RejectedByGateway, SendReceipt

_RETRYABLE = {408, 409, 425, 429}


class HttpGateway:
    """POSTs {to, from, text, reference} as JSON; 2xx with a message id is success.

    5xx, 408/429 and network errors are an outage (retry later); other 4xx are refusals.
    """

    name = "http"

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout_s: float = 10.0,
        receipt_url: str | None = None,
    ) -> None:
        self.url = url
        self.receipt_url = receipt_url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        auth = httpx.BasicAuth(username, password or "") if username else None
        self._client = httpx.AsyncClient(timeout=timeout_s, headers=headers, auth=auth)

    async def send(self, message: OutgoingMessage) -> SendReceipt:
        """Send through the provider."""
        payload: dict[str, Any] = {
            "to": message.to,
            "from": message.sender,
            "text": message.body,
            "reference": str(message.reference),
        }
        if self.receipt_url:
            payload["status_callback"] = self.receipt_url
        try:
            # a resend after a crash carries the same key (and reference): the provider can drop it
            response = await self._client.post(
                self.url, json=payload, headers={"Idempotency-Key": str(message.reference)}
            )
        except httpx.HTTPError as exc:
            raise GatewayError(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code in _RETRYABLE:
            raise GatewayError(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            # the answer's text is not kept: providers echo numbers and texts back
            raise RejectedByGateway(f"provider refused the message: {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        provider_id = (body.get("message_id") or body.get("id")) if isinstance(body, dict) else None
        return SendReceipt(provider_message_id=str(provider_id or message.reference))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
