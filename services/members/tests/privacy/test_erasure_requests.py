"""Erasure requests over HTTP: recorded and announced in one transaction with digests only, one per
member, 404 for another tenant's member, completed from every service's report."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from frontdoor_common.bus.events import Envelope
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.privacy import COMPLETED, ERASURE_SERVICES, ErasureReport
from frontdoor_common.privacy.seal import member_subject, phone_subject
from frontdoor_members.privacy.erasures import reports_handler
from frontdoor_members.privacy.testing import CALLER_NUMBER, outbox_events, outbox_text, seed_everything
from frontdoor_members.testing import OTHER_TENANT, TENANT, context_of, create_member, headers

ERASER = "privacy:erase"


async def erase(client: httpx.AsyncClient, member_id: str, tenant: str = TENANT, **body: Any) -> httpx.Response:
    return await client.post(
        f"/v1/members/{member_id}/erasure", json=body or None, headers=headers(tenant, scopes=ERASER)
    )


async def test_a_request_is_recorded_and_announced_with_digests_only(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    member = await create_member(client, phones=[{"number": "481 23 456", "kind": "mobile"}])
    await seed_everything(app, TENANT, uuid.UUID(member["id"]), at=clock.now() - timedelta(days=2))

    r = await erase(client, member["id"], note="asked by letter")
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["member_id"] == member["id"] and body["status"] == "in_progress"
    assert body["requested_by"] == "agent-1" and body["completed_at"] is None
    assert set(body["parts"]) == set(ERASURE_SERVICES)
    assert all(p["status"] == "pending" for p in body["parts"].values())

    [envelope] = await outbox_events(app, "members.erasure.requested")
    data = envelope["data"]
    assert data["erasure_id"] == body["erasure_id"] and data["member_id"] == member["id"]
    sealer = context_of(app).runtime.sealer
    assert sealer is not None
    expected = {
        sealer.digest(TENANT, member_subject(member["id"])),
        sealer.digest(TENANT, phone_subject("+4748123456")),  # the registered phone
        sealer.digest(TENANT, phone_subject(CALLER_NUMBER)),  # a number they called from
    }
    assert set(data["subjects"]) == expected
    text = await outbox_text(app)
    for plain in ("+4748123456", CALLER_NUMBER, "48123456", "Astrid", "Fjellheim", "asked by letter"):
        assert plain not in text


async def test_asking_again_answers_the_existing_request(client: httpx.AsyncClient, app: FastAPI) -> None:
    member = await create_member(client)
    first = await erase(client, member["id"])
    assert first.status_code == 202
    again = await erase(client, member["id"])
    assert again.status_code == 200
    assert again.json()["erasure_id"] == first.json()["erasure_id"]
    assert len(await outbox_events(app, "members.erasure.requested")) == 1


async def test_another_tenants_or_an_unknown_member_is_404_and_the_scope_is_required(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    theirs = await create_member(client, tenant=OTHER_TENANT)
    r = await erase(client, theirs["id"])
    assert r.status_code == 404 and r.json()["error_id"] == "member_not_found"
    assert (await erase(client, str(uuid.uuid4()))).status_code == 404
    assert (await client.post("/v1/members/not-a-uuid/erasure", headers=headers(scopes=ERASER))).status_code == 422
    ours = await create_member(client, member_number="2000021", national_id=None, phones=[])
    r = await client.post(f"/v1/members/{ours['id']}/erasure", headers=headers(scopes="members:write members:read"))
    assert r.status_code == 403
    r = await erase(client, ours["id"], note="x" * 501)
    assert r.status_code == 422 and r.json()["field"] == "note"
    r = await erase(client, ours["id"], surprise=True)
    assert r.status_code == 422 and r.json()["field"] == "surprise"
    assert await outbox_events(app, "members.erasure.requested") == []


async def test_the_list_is_the_tenants_newest_first_in_pages(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    ids = []
    for n in range(3):
        m = await create_member(client, member_number=f"200010{n}", national_id=None, phones=[])
        ids.append((await erase(client, m["id"])).json()["erasure_id"])
        clock.advance(timedelta(minutes=1))
    theirs = await create_member(client, tenant=OTHER_TENANT)
    their_id = (await erase(client, theirs["id"], tenant=OTHER_TENANT)).json()["erasure_id"]

    h = headers(scopes=ERASER)
    page1 = (await client.get("/v1/erasures?limit=2", headers=h)).json()
    assert [e["erasure_id"] for e in page1["items"]] == [ids[2], ids[1]]
    page2 = (await client.get(f"/v1/erasures?limit=2&cursor={page1['next_cursor']}", headers=h)).json()
    assert [e["erasure_id"] for e in page2["items"]] == [ids[0]] and page2["next_cursor"] is None
    r = await client.get(f"/v1/erasures?cursor={their_id}", headers=h)
    assert r.status_code == 422 and r.json()["field"] == "cursor"
    assert (await client.get("/v1/erasures?limit=0", headers=h)).status_code == 422
    assert (await client.get(f"/v1/erasures/{ids[0]}", headers=h)).json()["erasure_id"] == ids[0]
    assert (await client.get(f"/v1/erasures/{their_id}", headers=h)).status_code == 404
    assert (await client.get("/v1/erasures", headers=headers(scopes="members:read"))).status_code == 403


def _report(service: str, body: dict[str, Any], tenant: str = TENANT, **over: Any) -> Envelope:
    event = COMPLETED[service](
        erasure_id=uuid.UUID(over.get("erasure_id", body["erasure_id"])),
        tenant_id=tenant,
        member_id=uuid.UUID(over.get("member_id", body["member_id"])),
        service=service,
        report=ErasureReport(done={"rows": 2}, kept=[f"{service} keeps nothing"], keys_shredded=3),
        completed_at=datetime.fromisoformat(body["requested_at"])
        + timedelta(minutes=1 + ERASURE_SERVICES.index(service)),
    )
    return Envelope.wrap(event, tenant=tenant, source=service)


async def test_the_request_completes_once_every_service_reported(client: httpx.AsyncClient, app: FastAPI) -> None:
    member = await create_member(client)
    body = (await erase(client, member["id"])).json()
    handler = reports_handler(context_of(app))
    db = context_of(app).db

    async def deliver(envelope: Envelope) -> None:
        async with db.transaction() as s:
            await handler(s, envelope)

    # not this request's: another tenant's report, another member's, a service claiming another's topic
    await deliver(_report("routing", body, tenant=OTHER_TENANT))
    await deliver(_report("routing", body, member_id=str(uuid.uuid4())))
    await deliver(_report("routing", body, erasure_id=str(uuid.uuid4())))
    data = {**json.loads(_report("routing", body).model_dump_json())["data"], "service": "surveys"}
    await deliver(Envelope.wrap(COMPLETED["routing"].model_validate(data), tenant=TENANT, source="routing"))
    h = headers(scopes=ERASER)
    now = (await client.get(f"/v1/erasures/{body['erasure_id']}", headers=h)).json()
    assert all(p["status"] == "pending" for p in now["parts"].values())

    for service in ERASURE_SERVICES[:-1]:
        await deliver(_report(service, body))
        await deliver(_report(service, body))  # a re-send changes nothing
    now = (await client.get(f"/v1/erasures/{body['erasure_id']}", headers=h)).json()
    assert now["status"] == "in_progress" and now["completed_at"] is None
    assert now["parts"]["routing"] == {
        "status": "done",
        "done": {"rows": 2},
        "kept": ["routing keeps nothing"],
        "keys_shredded": 3,
        "completed_at": now["parts"]["routing"]["completed_at"],
    }
    assert now["parts"][ERASURE_SERVICES[-1]]["status"] == "pending"

    last = ERASURE_SERVICES[-1]
    await deliver(_report(last, body))
    done = (await client.get(f"/v1/erasures/{body['erasure_id']}", headers=h)).json()
    assert done["status"] == "completed"
    assert done["completed_at"] == done["parts"][last]["completed_at"]  # the last report's time
    assert all(p["status"] == "done" for p in done["parts"].values())
