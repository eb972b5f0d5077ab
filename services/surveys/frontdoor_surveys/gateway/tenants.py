"""Per-tenant gateways: the configuration (PUT /v1/sms/gateway) and the webhook credentials.
Never commits. How a tenant's messages then leave is `gateway.directory`.

A tenant's webhooks come in at /v1/sms/inbound/{webhook_key} and /v1/sms/receipts/{webhook_key},
signed with the tenant's own secret, and act only within that tenant.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from frontdoor_common.errors import Conflict, InvalidInput
from frontdoor_common.safe_http import FetchFailed, check_public_url
from frontdoor_surveys.gateway.models import TenantGateway
from frontdoor_surveys.gateway.schemas import GatewayUpdate
from frontdoor_surveys.gateway.vault import SecretBox
from frontdoor_surveys.settings import Settings


def new_webhook_key() -> str:
    """The public part of a tenant's webhook address (random, not a secret)."""
    return "wh_" + secrets.token_urlsafe(24)


def new_webhook_secret() -> str:
    """A tenant's webhook signing secret (shown once, stored encrypted)."""
    return "whsec_" + secrets.token_urlsafe(32)


async def get(session: AsyncSession, tenant_id: str) -> TenantGateway | None:
    """The tenant's gateway configuration, if it has one."""
    return await session.get(TenantGateway, tenant_id)


async def by_webhook_key(session: AsyncSession, webhook_key: str) -> TenantGateway | None:
    """The configuration a webhook address belongs to."""
    return (
        await session.execute(select(TenantGateway).where(col(TenantGateway.webhook_key) == webhook_key))
    ).scalar_one_or_none()


def allowed(settings: Settings) -> dict[str, Any]:
    """The address rules for tenants' gateway URLs (loopback and private only when set so)."""
    return {
        "allow_hosts": frozenset(h.lower() for h in settings.sms_gateway_allow_hosts),
        "allow_private": settings.sms_gateway_allow_private,
    }


async def check_url(url: str, settings: Settings) -> None:
    """422 naming `url` unless it is an http(s) URL whose host resolves only to allowed addresses."""
    if not url.lower().startswith(("http://", "https://")):
        raise InvalidInput("The gateway URL must be http(s)://...", field="url", error_id="unsafe_url")
    if "@" in urlsplit(url).netloc:
        # it would be shown by GET and stored in clear: credentials go in `token`
        raise InvalidInput(
            "The gateway URL must not carry credentials (use token).", field="url", error_id="unsafe_url"
        )
    try:
        await check_public_url(url, **allowed(settings))
    except FetchFailed:
        raise InvalidInput("The gateway URL's host does not resolve.", field="url", error_id="unsafe_url") from None


def tenants_with_own_gateway() -> Select[tuple[str]]:
    """Tenants whose messages go through their own provider: the platform's webhook speaks not for them."""
    return select(col(TenantGateway.tenant_id)).where(col(TenantGateway.url).is_not(None))


async def configure(
    session: AsyncSession, tenant_id: str, body: GatewayUpdate, settings: Settings, now: datetime
) -> tuple[TenantGateway, str | None]:
    """Create or replace the tenant's gateway; the URL must be a public http(s) address. The
    configuration and the new webhook secret when one was made (the first time, or rotated)."""
    if body.url is not None:
        await check_url(body.url, settings)
    box = SecretBox.of(settings)
    config = await session.get(TenantGateway, tenant_id, with_for_update=True)
    secret = None
    if config is None:
        secret = new_webhook_secret()
        config = TenantGateway(
            tenant_id=tenant_id,
            webhook_key=new_webhook_key(),
            webhook_secret_encrypted=box.encrypt(secret),
            created_at=now,
            updated_at=now,
        )
        session.add(config)
    elif body.rotate_secret:
        secret = new_webhook_secret()
        config.previous_secret_encrypted = config.webhook_secret_encrypted
        config.previous_valid_until = now + timedelta(seconds=settings.sms_secret_rotation_grace_s)
        config.webhook_secret_encrypted = box.encrypt(secret)
    config.url = body.url
    config.sender_id = body.sender_id
    if "token" in body.model_fields_set:
        config.token_encrypted = box.encrypt(body.token) if body.token is not None else None
    config.updated_at = now
    try:
        await session.flush()
    except IntegrityError:  # another first PUT for this tenant at the same moment
        raise Conflict("The gateway was set by another request at the same time; read it and retry.") from None
    return config, secret


def secrets_to_try(config: TenantGateway, now: datetime) -> list[str]:
    """The encrypted secrets a webhook of this tenant may be signed with: the current one, and the
    previous one during the grace period after a rotation (the provider may not have switched)."""
    found = [config.webhook_secret_encrypted]
    if config.previous_secret_encrypted and config.previous_valid_until and now < config.previous_valid_until:
        found.append(config.previous_secret_encrypted)
    return found
