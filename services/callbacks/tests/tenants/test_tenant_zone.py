"""`agents.tenant.settings_changed`: the tenant's zone."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from frontdoor_callbacks.testing import TENANT, returns
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import TenantSettingsChanged
from frontdoor_common.testing import eventually, running_app


async def test_the_tenants_announced_time_zone_sets_the_reports_default_day(
    live_app: FastAPI, publish: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    async with running_app(live_app) as client:
        await publish(
            TenantSettingsChanged(tenant_id=TENANT, timezone="America/New_York", country="US", at=clock.now()), TENANT
        )

        async def day_start() -> str:
            return str((await client.get("/v1/callbacks/report", headers=headers)).json()["from"])

        # Monday 08:00 UTC is Monday 03:00 in New York: its day began at 05:00 UTC.
        await eventually(lambda: returns(day_start, "2026-11-23T05:00:00Z"), timeout=15)
