"""Reads and writes of tenant settings; never commits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.tenants.models import TenantSetting


class TenantRepository:
    """Tenant settings."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, tenant_id: str, timezone: str, country: str | None, at: datetime) -> None:
        """Store the announced settings (an older announcement arriving late changes nothing)."""
        row = await self.session.get(TenantSetting, tenant_id)
        if row is None:
            self.session.add(TenantSetting(tenant_id=tenant_id, timezone=timezone, country=country, updated_at=at))
        elif row.updated_at <= at:
            row.timezone, row.country, row.updated_at = timezone, country, at
        await self.session.flush()

    async def zone(self, tenant_id: str, settings: Settings) -> ZoneInfo:
        """The tenant's time zone: as announced, else the configured default."""
        row = await self.session.get(TenantSetting, tenant_id)
        for name in (row.timezone if row is not None else None, settings.default_timezone):
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return ZoneInfo("UTC")
