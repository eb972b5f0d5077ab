"""A member's objection (art. 21): recorded in the dossier and announced in one transaction, for the
tenant's own members only."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from frontdoor_members.privacy.testing import outbox_events
from frontdoor_members.testing import OTHER_TENANT, TENANT, create_member, headers


async def test_an_objection_to_surveys_is_in_the_dossier_and_announced(client: httpx.AsyncClient, app: FastAPI) -> None:
    member = await create_member(client)
    r = await client.post(
        f"/v1/members/{member['id']}/objection",
        json={"to": ["surveys"], "note": "said so in the call"},
        headers=headers(),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["to"] == ["surveys"] and body["member_id"] == member["id"]
    [event] = await outbox_events(app, "members.member.objected")
    assert event["data"]["member_id"] == member["id"] and event["data"]["to"] == ["surveys"]
    assert event["tenant"] == TENANT
    dossier = (await client.get(f"/v1/members/{member['id']}/log", headers=headers())).json()
    entries = dossier["entries"]
    [remark] = [e for e in entries if e["id"] == body["dossier_entry_id"]]
    assert "Objected to satisfaction surveys" in remark["summary"]


async def test_an_objection_is_refused_for_another_tenants_member_an_unknown_kind_and_a_reader(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    member = await create_member(client)
    url = f"/v1/members/{member['id']}/objection"
    other = await client.post(url, json={"to": ["surveys"]}, headers=headers(OTHER_TENANT))
    assert other.status_code == 404
    unknown = await client.post(f"/v1/members/{uuid.uuid4()}/objection", json={"to": ["surveys"]}, headers=headers())
    assert unknown.status_code == 404
    bad = await client.post(url, json={"to": ["marketing"]}, headers=headers())
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert "to" in bad.json()["field"]
    empty = await client.post(url, json={"to": []}, headers=headers())
    assert empty.status_code == 422
    reader = await client.post(url, json={"to": ["surveys"]}, headers=headers(scopes="members:read"))
    assert reader.status_code == 403
    assert await outbox_events(app, "members.member.objected") == []
