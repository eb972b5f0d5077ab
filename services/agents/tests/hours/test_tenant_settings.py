"""Tenant settings: other services learn the time zone and country through agents.tenant.settings_changed."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox

TENANT = "7e000000-0000-4000-8000-000000000001"


async def _announced(app: FastAPI) -> list[dict]:
    async with app.state.runtime.db.transaction() as session:
        rows = await session.execute(
            select(outbox.c.payload, outbox.c.key)
            .where(outbox.c.type == "agents.tenant.settings_changed")
            .order_by(outbox.c.id)
        )
        out = []
        for payload, key in rows:
            assert key == TENANT
            out.append(json.loads(payload)["data"])
        return out


async def test_setting_the_time_zone_or_country_is_announced(client: httpx.AsyncClient, app: FastAPI) -> None:
    r = await client.put("/v1/settings", json={"away_reasons": ["break"]})
    assert r.status_code == 200
    assert await _announced(app) == []  # neither time zone nor country was set
    r = await client.put("/v1/settings", json={"timezone": "Europe/Stockholm"})
    assert r.status_code == 200
    r = await client.put("/v1/settings", json={"country": "se"})
    assert r.status_code == 200
    got = await _announced(app)
    assert [(d["tenant_id"], d["timezone"], d["country"]) for d in got] == [
        (TENANT, "Europe/Stockholm", "NO"),
        (TENANT, "Europe/Stockholm", "SE"),
    ]
    # A refused change announces nothing.
    r = await client.put("/v1/settings", json={"timezone": "Mars/Olympus"})
    assert r.status_code == 422 and r.json()["field"] == "timezone"
    assert len(await _announced(app)) == 2
