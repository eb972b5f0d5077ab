"""Another tenant's ids are 404 on every endpoint (never 403), and its data never shows."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.testing import ASTRID_NID, OTHER_TENANT, TENANT, create_member, headers, open_contact, verify


async def test_every_endpoint_answers_404_for_another_tenants_ids(app: FastAPI, client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    mid = member["id"]
    invoice = await client.post(
        f"/v1/members/{mid}/invoices", json={"amount": "10", "due_date": "2026-12-01"}, headers=headers()
    )
    contact = await open_contact(client)
    cid = contact["id"]
    ok = await verify(client, cid, method="member", national_id=ASTRID_NID, member_number="2000013")
    assert ok.json()["verified"]
    power = await client.post(
        f"/v1/members/{mid}/powers-of-attorney",
        json={"contact_id": cid, "grantee_name": "Per Fjellheim"},
        headers=headers(),
    )
    change = await client.post(f"/v1/members/{mid}/membership-changes", json={"kind": "leave"}, headers=headers())
    assert change.status_code == 201, change.text

    other = headers(OTHER_TENANT)
    calls = [
        ("GET", f"/v1/members/{mid}", None),
        ("GET", f"/v1/members/{mid}?contact_id={cid}", None),
        ("PATCH", f"/v1/members/{mid}", {"email": "x@example.org"}),
        ("GET", f"/v1/members/{mid}/checks", None),
        ("POST", f"/v1/members/{mid}/log", {"reason": "other", "summary": "s"}),
        ("GET", f"/v1/members/{mid}/log", None),
        ("POST", f"/v1/members/{mid}/invoices", {"amount": "10", "due_date": "2026-12-01"}),
        ("GET", f"/v1/members/{mid}/invoices", None),
        ("PATCH", f"/v1/invoices/{invoice.json()['id']}", {"paid": True}),
        ("POST", f"/v1/members/{mid}/powers-of-attorney", {"contact_id": cid, "grantee_name": "X Y"}),
        ("GET", f"/v1/members/{mid}/powers-of-attorney", None),
        ("POST", f"/v1/members/{mid}/powers-of-attorney/{power.json()['id']}/revoke", None),
        ("POST", f"/v1/members/{mid}/membership-changes", {"kind": "leave"}),
        ("GET", f"/v1/members/{mid}/membership-changes", None),
        ("POST", f"/v1/membership-changes/{change.json()['id']}/confirm", {}),
        ("POST", f"/v1/membership-changes/{change.json()['id']}/cancel", None),
        ("GET", f"/v1/members/{mid}/audit", None),
        ("GET", f"/v1/contacts/{cid}", None),
        ("POST", f"/v1/contacts/{cid}/verify", {"method": "member", "national_id": ASTRID_NID, "member_number": "1"}),
        ("POST", f"/v1/contacts/{cid}/close", None),
    ]
    for method, url, body in calls:
        r = await client.request(method, url, json=body, headers=other)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert ASTRID_NID not in r.text

    # and with the other tenant's own contact pointing at this tenant's member
    theirs = await open_contact(client, tenant=OTHER_TENANT)
    r = await client.get(f"/v1/members/{mid}/checks", params={"contact_id": theirs["id"]}, headers=headers())
    assert r.status_code == 404 and r.json()["field"] == "contact_id"
    r = await client.post("/v1/contacts", json={"member_id": mid}, headers=other)
    assert r.status_code == 404 and r.json()["field"] == "member_id"
    # nothing was written by the other tenant's attempts
    async with app.state.runtime.db.transaction() as s:
        assert (
            await s.scalar(select(func.count()).select_from(DossierEntry).where(DossierEntry.tenant_id == OTHER_TENANT))
            == 0
        )
    still = (await client.get(f"/v1/contacts/{cid}", headers=headers())).json()
    assert still["closed_at"] is None and still["verified"] is True


async def test_lookups_and_lists_only_see_the_callers_tenant(client: httpx.AsyncClient) -> None:
    await create_member(client)
    await create_member(client, tenant=OTHER_TENANT, first_name="Other")
    for tenant, name in ((TENANT, "Astrid"), (OTHER_TENANT, "Other")):
        h = headers(tenant)
        by_phone = (await client.get("/v1/members/lookup", params={"phone": "48123456"}, headers=h)).json()
        assert [c["first_name"] for c in by_phone["candidates"]] == [name]
        by_number = (await client.get("/v1/members/lookup", params={"member_number": "2000013"}, headers=h)).json()
        assert [c["first_name"] for c in by_number["candidates"]] == [name]
    await client.post("/v1/departments", json={"code": "a", "name": "A"}, headers=headers())
    assert (await client.get("/v1/departments", headers=headers(OTHER_TENANT))).json() == []
