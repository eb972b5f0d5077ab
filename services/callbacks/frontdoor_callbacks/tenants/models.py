"""The tenant settings table (from `agents.tenant.settings_changed`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from frontdoor_callbacks.models import CallbacksModel
from frontdoor_common.models import UTCDateTime


class TenantSetting(CallbacksModel, table=True):
    """A tenant's time zone and country, as last announced."""

    __tablename__ = "tenant_setting"

    tenant_id: str = Field(max_length=64, primary_key=True)
    timezone: str = Field(max_length=64)
    country: str | None = Field(default=None, max_length=8)
    updated_at: datetime = Field(sa_type=UTCDateTime)
