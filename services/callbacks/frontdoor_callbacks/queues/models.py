"""The queue replica table."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from frontdoor_callbacks.models import CallbacksModel
from frontdoor_common.models import UTCDateTime


class QueueReplica(CallbacksModel, table=True):
    """What this service knows of a routing queue: enough to accept callbacks for it."""

    __tablename__ = "queue_replica"

    queue_id: uuid.UUID = Field(primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    ivr_digit: str | None = Field(default=None, max_length=8)
    language: str | None = Field(default=None, max_length=16)
    is_switchboard: bool = False
    callback_offer_seconds: int | None = None
    active: bool = True
    updated_at: datetime = Field(sa_type=UTCDateTime)
