"""The tenant-wide events routing keeps: opening changes, settings, contact reasons."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope
from frontdoor_common.events.agents import QueueOpeningChanged, TenantSettingsChanged
from frontdoor_common.events.members import TenantReasonsChanged
from frontdoor_routing.engine.engine import Engine
from frontdoor_routing.tenants.service import set_opening, set_reasons, set_tenant_settings


def register(router: EventRouter, engine: Engine) -> None:
    """Handle a tenant's opening, settings and reasons (only the envelope's own tenant)."""

    @router.on(QueueOpeningChanged.name)
    async def opening_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = QueueOpeningChanged.model_validate(envelope.data)
        if event.tenant_id == envelope.tenant:
            await set_opening(engine.mutation_in(session), event)

    @router.on(TenantSettingsChanged.name)
    async def settings_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = TenantSettingsChanged.model_validate(envelope.data)
        if event.tenant_id == envelope.tenant:
            await set_tenant_settings(engine.mutation_in(session), event)

    @router.on(TenantReasonsChanged.name)
    async def reasons_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = TenantReasonsChanged.model_validate(envelope.data)
        if event.tenant_id == envelope.tenant:
            await set_reasons(engine.mutation_in(session), event)
