"""What routing keeps of a tenant from other services: opening, time zone and country, contact reasons."""

from __future__ import annotations

from frontdoor_common.events.agents import QueueOpeningChanged, TenantSettingsChanged
from frontdoor_common.events.members import TenantReasonsChanged
from frontdoor_routing.engine.mutation import Mutation
from frontdoor_routing.models import Queue, TenantOpening, TenantReasons, TenantSettings


async def set_opening(m: Mutation, event: QueueOpeningChanged) -> None:
    """A queue or the whole tenant opened or closed."""
    m.touch()
    if event.queue_id is None:
        row = await m.get(TenantOpening, event.tenant_id)
        if row is None:
            row = TenantOpening(tenant_id=event.tenant_id)
            m.add(row)
        row.open, row.reason, row.at, row.next_change_at = event.open, event.reason, event.at, event.next_change_at
        m.set_opening(event.open, event.reason, event.next_change_at)
        return
    queue = await m.get(Queue, event.queue_id)
    if queue is None or queue.tenant_id != event.tenant_id:
        return
    queue.open, queue.open_reason, queue.next_change_at = event.open, event.reason, event.next_change_at
    m.keep_queue(queue)


async def set_tenant_settings(m: Mutation, event: TenantSettingsChanged) -> None:
    """The tenant's time zone and country (local KPI days, the default region of numbers)."""
    m.touch()
    row = await m.get(TenantSettings, event.tenant_id)
    if row is None:
        row = TenantSettings(tenant_id=event.tenant_id, timezone=event.timezone)
        m.add(row)
    row.timezone, row.country, row.at = event.timezone, (event.country or "").upper()[:2] or None, event.at
    m.set_zone(event.timezone, row.country)


async def set_reasons(m: Mutation, event: TenantReasonsChanged) -> None:
    """The tenant's contact reasons: the whole list, the latest event is the truth."""
    m.touch()
    row = await m.get(TenantReasons, event.tenant_id)
    if row is None:
        row = TenantReasons(tenant_id=event.tenant_id, reasons=[])
        m.add(row)
    row.reasons, row.at = list(event.reasons), event.at
    m.set_reasons(event.reasons)
