"""`agents.tenant.settings_changed` into the tenant settings table."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_callbacks.tenants.repository import TenantRepository
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.agents import TenantSettingsChanged


def register(router: EventRouter) -> None:
    """Add the tenant settings handler to the consumer."""

    @router.on(TenantSettingsChanged.name)
    async def settings_changed(session: AsyncSession, envelope: Envelope) -> None:
        event: TenantSettingsChanged = TenantSettingsChanged.parse(envelope)
        await TenantRepository(session).upsert(event.tenant_id, event.timezone, event.country, event.at)
