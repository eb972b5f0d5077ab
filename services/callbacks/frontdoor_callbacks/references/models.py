"""The mirror of members and agents known per tenant (from members and agents events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field

from frontdoor_callbacks.models import CallbacksModel
from frontdoor_common.models import UTCDateTime


class KnownMember(CallbacksModel, table=True):
    """A member of a tenant (only the id: no personal data is mirrored)."""

    __tablename__ = "known_member"

    tenant_id: str = Field(max_length=64, primary_key=True)
    member_id: uuid.UUID = Field(primary_key=True)
    seen_at: datetime = Field(sa_type=UTCDateTime)


class KnownAgent(CallbacksModel, table=True):
    """An agent of a tenant."""

    __tablename__ = "known_agent"

    tenant_id: str = Field(max_length=64, primary_key=True)
    agent_id: uuid.UUID = Field(primary_key=True)
    seen_at: datetime = Field(sa_type=UTCDateTime)
