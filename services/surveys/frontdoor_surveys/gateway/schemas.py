"""The gateway's webhook payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class InboundIn(BaseModel):
    """A reply as the gateway posts it."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", min_length=3, max_length=32, description="the member's number, E.164")
    text: str = Field(max_length=2000)
    message_id: str = Field(min_length=1, max_length=200, description="the provider's id: redeliveries repeat it")
    to: str | None = Field(default=None, max_length=32)
    received_at: datetime | None = None


class InboundOut(BaseModel):
    """What the reply did: answered, completed, clarified, commented, opted_out, ignored:..., duplicate, unmatched."""

    status: str
    survey_id: str | None = None


class ReceiptIn(BaseModel):
    """A delivery receipt from the provider."""

    message_id: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "failed", "expired", "rejected", "unknown"]
    at: datetime | None = None
