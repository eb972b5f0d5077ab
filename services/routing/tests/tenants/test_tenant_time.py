"""The tenant's time: KPI days in its zone; a closed call says why; queues say when they open."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import TenantSettingsChanged
from frontdoor_common.testing import eventually
from frontdoor_routing.app import create_app
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"
LATE_EVENING_UTC = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # 00:30 on the 29th in Oslo


async def test_kpi_days_are_the_tenants_days(settings: Settings, make_platform: Callable[..., Any]) -> None:
    # The engine's clock stands still late in the evening: every change happens then.
    app = create_app(settings, clock=ManualClock(LATE_EVENING_UTC))
    async with make_platform(settings, app) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        await p.staff({q: 3}, presence="away")
        assert (await p.call(cti_call_id="late", ivr_digit="1")).json()["outcome"] == "queued"
        period = {"from": "2026-11-27T00:00:00Z", "to": "2026-11-30T00:00:00Z", "group_by": "day"}
        rows = (await p.http.get("/v1/kpis", params=period)).json()["rows"]
        assert [(datetime.fromisoformat(r["period_start"]), r["offered"]) for r in rows] == [
            (datetime(2026, 11, 29, tzinfo=UTC) - timedelta(hours=1), 1)  # midnight in Oslo
        ]
        # a tenant in New York: the same call belongs to the 28th there
        await p.publish(
            TenantSettingsChanged(tenant_id=TENANT, timezone="America/New_York", country="US", at=LATE_EVENING_UTC)
        )
        await eventually(lambda: p.tenant().timezone == "America/New_York")
        rows = (await p.http.get("/v1/kpis", params=period)).json()["rows"]
        assert datetime.fromisoformat(rows[0]["period_start"]) == datetime(2026, 11, 28, 5, tzinfo=UTC)


async def test_a_closed_call_says_why_and_the_queues_say_when_they_open(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        await p.staff({q: 3})
        opens = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=14)
        await p.opening(False, reason="holiday", next_change_at=opens)
        await eventually(lambda: not p.tenant().open)
        r = (await p.call(cti_call_id="holiday", ivr_digit="1")).json()
        assert r["outcome"] == "closed" and r["closed_reason"] == "holiday", r
        queue = (await p.http.get("/v1/queues")).json()[0]
        assert queue["open_now"] is False and queue["closed_reason"] == "holiday"
        assert datetime.fromisoformat(queue["next_opening_at"]) == opens
        await p.opening(True, next_change_at=opens + timedelta(hours=8))
        await p.opening(False, q, reason="hours", next_change_at=opens)
        await eventually(lambda: p.tenant().open and not p.tenant().queues[q].open)
        r = (await p.call(cti_call_id="evening", ivr_digit="1")).json()
        assert r["outcome"] == "closed" and r["closed_reason"] == "hours"
        queue = (await p.http.get(f"/v1/queues/{q}")).json()
        assert queue["open_now"] is False and queue["closed_reason"] == "hours"
        await p.opening(True, q)
        await eventually(lambda: p.tenant().queues[q].open)
        assert (await p.call(cti_call_id="open", ivr_digit="1")).json()["outcome"] == "offered"
        queue = (await p.http.get(f"/v1/queues/{q}")).json()
        assert queue["open_now"] is True and queue["closed_reason"] is None and queue["next_opening_at"] is None
