"""One reason vocabulary: members owns the tenant's list, announces it, and validates every reason it stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.events.members import DEFAULT_REASONS, TenantReasonsChanged
from frontdoor_common.events.routing import CallCompleted
from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import TENANT, call_snapshot, create_member, deliver, headers


async def _announced(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.runtime.db.transaction() as s:
        rows = (await s.execute(select(outbox.c.payload).order_by(outbox.c.id))).all()
    envelopes = [json.loads(r.payload) for r in rows]
    return [e for e in envelopes if e["type"] == TenantReasonsChanged.name]


async def test_the_default_list_is_the_shared_contracts_and_setting_a_list_announces_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    default = (await client.get("/v1/tenant/settings", headers=headers())).json()
    assert default["reasons"] == list(DEFAULT_REASONS)
    r = await client.put(
        "/v1/tenant/settings", json={"country": "NO", "reasons": ["dues_invoice", "strike"]}, headers=headers()
    )
    assert r.status_code == 200, r.text
    announced = await _announced(app)
    assert len(announced) == 1
    assert announced[0]["tenant"] == TENANT and announced[0]["subject"] == TENANT
    event = TenantReasonsChanged.model_validate(announced[0]["data"])
    assert event.tenant_id == TENANT and event.reasons == ["dues_invoice", "strike"]
    refused = await client.put("/v1/tenant/settings", json={"country": "NO", "reasons": ["Strike!"]}, headers=headers())
    assert refused.status_code == 422 and refused.json()["field"].startswith("reasons")
    assert len(await _announced(app)) == 1  # a refused list is not announced


async def test_the_demo_seed_announces_the_demo_tenants_reasons_on_every_start(
    make_settings: Callable[..., Any],
) -> None:
    settings: Settings = make_settings(Settings, kafka_bootstrap_servers=None, seed_demo=True)
    counts = []
    for _ in range(2):
        app = create_app(settings)
        async with running_app(app):
            announced = await _announced(app)
        counts.append(len(announced))
        assert all(e["tenant"] == DEMO_TENANT_ID for e in announced)
        assert announced[-1]["data"]["reasons"] == list(DEFAULT_REASONS)
    assert counts == [1, 2]


async def test_reasons_outside_the_tenants_list_are_never_stored(app: FastAPI, client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    await client.put("/v1/tenant/settings", json={"country": "NO", "reasons": ["strike"]}, headers=headers())
    log = f"/v1/members/{member['id']}/log"
    assert (
        await client.post(log, json={"reason": "dues_invoice", "summary": "s"}, headers=headers())
    ).status_code == 422
    # routing's event may still carry a reason from before the change: the call is kept, the reason is not
    await deliver(app, CallCompleted(call=call_snapshot(member["id"], reason="dues_invoice")))
    # a membership change is noted without the default list's join_leave_move
    change = await client.post(
        f"/v1/members/{member['id']}/membership-changes", json={"kind": "leave"}, headers=headers()
    )
    assert change.status_code == 201, change.text
    entries = (await client.get(log, headers=headers())).json()["entries"]
    assert sorted(e["kind"] for e in entries) == ["call", "membership"]
    assert all(e["reason"] is None for e in entries)
