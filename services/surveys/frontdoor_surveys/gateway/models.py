"""The SMS outbox: every outgoing message is a row until the gateway accepted it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from frontdoor_common.models import UTCDateTime, new_id
from frontdoor_surveys.models import SurveysModel


class OutgoingSms(SurveysModel, table=True):
    """An SMS to send: pending -> sending (claimed) -> sent, retried with backoff while the gateway fails."""

    __tablename__ = "sms_outgoing"
    __table_args__ = (Index("ix_sms_outgoing_due", "status", "next_attempt_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tenant_id: str = Field(max_length=64)
    survey_id: uuid.UUID | None = Field(default=None, index=True)
    kind: str = Field(max_length=24)  # first | question | clarify | comment | thanks | opted_out
    to_number: str = Field(max_length=20)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)  # not before: quiet hours and backoff
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    provider_message_id: str | None = Field(default=None, max_length=200, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivery_status: str | None = Field(default=None, max_length=24)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TenantGateway(SurveysModel, table=True):
    """A tenant's own SMS gateway: where its messages go and the credentials its webhooks carry.

    `url` None: the tenant's messages go through the platform's gateway, but its webhooks still
    come in at /v1/sms/inbound/{webhook_key} signed with its own secret. The webhook secret and the
    provider token are Fernet-encrypted (the signature check needs the secret itself, so no hash).
    """

    __tablename__ = "sms_gateways"

    tenant_id: str = Field(primary_key=True, max_length=64)
    url: str | None = Field(default=None, max_length=500)
    sender_id: str | None = Field(default=None, max_length=20)
    token_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    webhook_key: str = Field(max_length=64, unique=True)
    webhook_secret_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    # After a rotation the previous secret still verifies for a while, so the provider can switch over.
    previous_secret_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    previous_valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
