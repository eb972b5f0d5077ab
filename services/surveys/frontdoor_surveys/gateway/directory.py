"""How each tenant's messages leave: the platform's gateway, or the tenant's own provider over
HTTP (public addresses only, bounded in time and size, its answers never echoed)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.errors import InvalidInput
from frontdoor_common.logging import get_logger
from frontdoor_common.safe_http import FetchFailed, post_public
from frontdoor_surveys.gateway.base import GatewayError, OutgoingMessage, RejectedByGateway, SendReceipt, SmsGateway
from frontdoor_surveys.gateway.models import TenantGateway
from frontdoor_surveys.gateway.tenants import allowed
from frontdoor_surveys.gateway.vault import SecretBox
from frontdoor_surveys.settings import Settings

_RETRYABLE = {408, 409, 425, 429}
log = get_logger(__name__)


@dataclass(frozen=True)
class Resolved:
    """How one tenant's messages leave: its own gateway or the platform's, under which sender id."""

    gateway: SmsGateway
    sender_id: str


class TenantHttpGateway:
    """POSTs {to, from, text, reference} to a tenant's provider: public addresses only, bounded in
    time and size. What the provider answered is never echoed: errors name the status code only."""

    name = "tenant-http"

    def __init__(self, url: str, token: str | None, settings: Settings) -> None:
        self.url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._settings = settings

    async def send(self, message: OutgoingMessage) -> SendReceipt:
        """Send through the tenant's provider."""
        payload = {"to": message.to, "from": message.sender, "text": message.body, "reference": str(message.reference)}
        s = self._settings
        try:
            answer = await post_public(
                self.url,
                json=payload,
                headers={**self._headers, "Idempotency-Key": str(message.reference)},
                deadline_s=s.sms_gateway_deadline_s,
                max_response_bytes=s.sms_gateway_max_response_bytes,
                **allowed(s),
            )
        except InvalidInput as exc:
            # the address is refused (private, loopback) until the tenant fixes it: wait, don't lose
            raise GatewayError(f"gateway address refused: {exc.error_id}") from None
        except FetchFailed as exc:  # fixed codes: timeout, connect_failed, dns_failed
            raise GatewayError(f"gateway unreachable: {exc.code}") from None
        if answer.status_code >= 500 or answer.status_code in _RETRYABLE:
            raise GatewayError(f"provider answered {answer.status_code}")
        if answer.status_code >= 400:
            raise RejectedByGateway(f"provider refused the message: {answer.status_code}")
        provider_id = None
        try:
            body = json.loads(answer.content or b"{}")
        except ValueError:
            body = None
        if isinstance(body, dict):
            raw = body.get("message_id") or body.get("id")
            if isinstance(raw, str | int) and 0 < len(str(raw)) <= 200:
                provider_id = str(raw)
        return SendReceipt(provider_message_id=provider_id or str(message.reference))

    async def close(self) -> None:
        """Nothing pooled."""


class _Unreadable:
    """A tenant gateway whose stored token cannot be read: every send is an outage (retried)."""

    name = "tenant-unreadable"

    async def send(self, message: OutgoingMessage) -> SendReceipt:
        """Never sends."""
        raise GatewayError("gateway token unreadable")

    async def close(self) -> None:
        """Nothing to release."""


class GatewayDirectory:
    """The sender's view of the tenants' gateways: the platform's unless a tenant has its own URL.

    Gateways are built once per configuration version (the row's updated_at)."""

    def __init__(self, platform: SmsGateway, settings: Settings) -> None:
        self.platform = platform
        self.settings = settings
        self._box = SecretBox.of(settings)
        self._built: dict[str, tuple[datetime, Resolved]] = {}

    async def resolve(self, session: AsyncSession, tenant_ids: set[str]) -> dict[str, Resolved]:
        """Each tenant's gateway and sender id."""
        rows: dict[str, TenantGateway] = {}
        if tenant_ids:
            found = await session.execute(select(TenantGateway).where(col(TenantGateway.tenant_id).in_(tenant_ids)))
            rows = {r.tenant_id: r for r in found.scalars().all()}
        resolved: dict[str, Resolved] = {}
        for tenant_id in tenant_ids:
            row = rows.get(tenant_id)
            if row is None:
                resolved[tenant_id] = Resolved(self.platform, self.settings.sms_sender_id)
                continue
            cached = self._built.get(tenant_id)
            if cached is not None and cached[0] == row.updated_at:
                resolved[tenant_id] = cached[1]
                continue
            sender_id = row.sender_id or self.settings.sms_sender_id
            if row.url:
                try:
                    token = self._box.decrypt(row.token_encrypted) if row.token_encrypted else None
                    gateway: SmsGateway = TenantHttpGateway(row.url, token, self.settings)
                except InvalidToken:
                    # the key it was made with is gone: hold the messages until an operator fixes the keys
                    log.error("a tenant's gateway token does not decrypt with the configured keys", tenant=tenant_id)
                    gateway = _Unreadable()
                entry = Resolved(gateway, sender_id)
            else:
                entry = Resolved(self.platform, sender_id)
            self._built[tenant_id] = (row.updated_at, entry)
            resolved[tenant_id] = entry
        return resolved
