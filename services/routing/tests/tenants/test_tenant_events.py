"""A tenant's opening, settings and contact reasons, as the other services announce them."""

from __future__ import annotations

from datetime import timedelta

from frontdoor_common.events.agents import QueueOpeningChanged, TenantSettingsChanged
from frontdoor_common.events.members import TenantReasonsChanged
from frontdoor_routing.models import Queue, TenantOpening, TenantReasons, TenantSettings

from ..conftest import TENANT, Rig


async def test_the_tenant_and_its_queues_open_and_close_with_the_reason_and_the_next_opening(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1")
    opens = rig.clock.now() + timedelta(hours=12)
    closing = QueueOpeningChanged(
        tenant_id=TENANT, open=False, reason="holiday", at=rig.clock.now(), next_change_at=opens
    )
    await rig.deliver(closing)
    tenant = rig.tenant()
    assert tenant.opening(tenant.queues[q]) == (False, "holiday", opens)
    later = opens + timedelta(hours=2)
    await rig.deliver(
        QueueOpeningChanged(
            tenant_id=TENANT, queue_id=q, open=False, reason="hours", at=rig.clock.now(), next_change_at=later
        )
    )
    assert tenant.opening(tenant.queues[q]) == (False, "holiday", later)  # open again when both are
    await rig.deliver(QueueOpeningChanged(tenant_id=TENANT, open=True, at=rig.clock.now()))
    assert tenant.opening(tenant.queues[q]) == (False, "hours", later)
    async with rig.db.snapshot() as session:
        row = await session.get(TenantOpening, TENANT)
        queue = await session.get(Queue, q)
    assert row is not None and row.open and queue is not None and (queue.open, queue.open_reason) == (False, "hours")


async def test_time_zone_country_and_reasons_are_kept_and_stored(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    await rig.deliver(
        TenantSettingsChanged(tenant_id=TENANT, timezone="America/New_York", country="us", at=rig.clock.now())
    )
    await rig.deliver(
        TenantReasonsChanged(tenant_id=TENANT, reasons=["dues_invoice", "other"], at=rig.clock.now()), source="members"
    )
    tenant = rig.tenant()
    assert (tenant.timezone, tenant.country, tenant.reasons) == ("America/New_York", "US", ("dues_invoice", "other"))
    assert str(tenant.zone()) == "America/New_York"
    async with rig.db.snapshot() as session:
        settings = await session.get(TenantSettings, TENANT)
        reasons = await session.get(TenantReasons, TENANT)
    assert settings is not None and (settings.timezone, settings.country) == ("America/New_York", "US")
    assert reasons is not None and reasons.reasons == ["dues_invoice", "other"]
    await rig.deliver(TenantSettingsChanged(tenant_id=TENANT, timezone="Mars/Olympus", at=rig.clock.now()))
    assert tenant.country == "NO" and str(tenant.zone()) == "Europe/Oslo"  # unknown here: the defaults
