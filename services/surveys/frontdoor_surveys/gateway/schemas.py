"""The gateway's webhook payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InboundCreate(BaseModel):
    """A reply as the gateway posts it."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", min_length=3, max_length=32, description="the member's number, E.164")
    text: str = Field(max_length=2000)
    message_id: str = Field(min_length=1, max_length=200, description="the provider's id: redeliveries repeat it")
    to: str | None = Field(default=None, max_length=32)
    received_at: datetime | None = None


class InboundView(BaseModel):
    """What the reply did: answered, completed, clarified, commented, opted_out, ignored:..., duplicate, unmatched."""

    status: str
    survey_id: str | None = None


class ReceiptCreate(BaseModel):
    """A delivery receipt from the provider."""

    message_id: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "failed", "expired", "rejected", "unknown"]
    at: datetime | None = None


class GatewayUpdate(BaseModel):
    """A tenant's own gateway. `url` null: messages go through the platform's gateway (webhooks
    still carry the tenant's own key and secret). `token` is write-only: absent keeps the stored
    one, null clears it. `rotate_secret` makes a new webhook secret (shown once in the answer)."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=500, description="the provider's send endpoint, http(s), public")
    sender_id: str | None = Field(
        default=None, min_length=1, max_length=16, description="the SMS sender id; null: the platform's"
    )
    token: str | None = Field(
        default=None, min_length=1, max_length=500, description="bearer token for the provider; write-only"
    )
    rotate_secret: bool = False


class GatewayView(BaseModel):
    """A tenant's gateway as the API shows it: never the token; the secret only when just made."""

    tenant_id: str
    url: str | None
    sender_id: str | None
    has_token: bool
    webhook_key: str
    inbound_path: str
    receipts_path: str
    webhook_secret: str | None = Field(default=None, description="only in the answer that created or rotated it")
    updated_at: datetime
