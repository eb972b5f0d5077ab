"""The access request: members' own export covers every member-keyed table, and the aggregate
document gathers every service's lines (streamed, the caller's token forwarded), lists the services
that failed, and escapes everything in its HTML form."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import insert

from frontdoor_common.clock import ManualClock
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.privacy import access
from frontdoor_members.privacy.hooks import SECTIONS
from frontdoor_members.privacy.peers import PEER_SERVICES
from frontdoor_members.privacy.testing import DOSSIER_TEXT, GRANTEE, MESSAGE_TEXT, REPLY_TEXT, seed_everything
from frontdoor_members.tables import metadata
from frontdoor_members.testing import ASTRID_NID, OTHER_TENANT, TENANT, context_of, create_member, headers

EXPORTER = "privacy:export"
MEMBER_COLUMNS = {"member_id", "recognised_member_id"}


def _ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_table_keyed_by_a_member_has_a_section() -> None:
    keyed = {t.name for t in metadata.sorted_tables if MEMBER_COLUMNS & {c.name for c in t.columns}}
    assert "dossier_entries" in keyed and "erasure_requests" in keyed
    missing = (keyed | {"members"}) - set(SECTIONS)
    assert not missing, f"tables keyed by a member with no export section: {sorted(missing)}"


async def test_the_export_holds_an_item_from_every_member_table(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    member = await create_member(client)
    member_id = uuid.UUID(member["id"])
    seeded = await seed_everything(app, TENANT, member_id, at=clock.now() - timedelta(days=1))
    await client.post(f"/v1/members/{member_id}/erasure", headers=headers(scopes="privacy:erase"))
    seeded.ids["erasure_requests"] = []
    other = await create_member(client, member_number="2000021", national_id=None, phones=[])
    await seed_everything(app, TENANT, uuid.UUID(other["id"]), at=clock.now())  # someone else's rows

    r = await client.get(f"/internal/v1/personal-data/members/{member_id}", headers=headers(scopes=EXPORTER))
    assert r.status_code == 200, r.text
    lines = _ndjson(r.text)
    by_section: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        assert line["service"] == "members"
        by_section.setdefault(line["section"], []).append(line["item"])
    for table, section in SECTIONS.items():
        assert by_section.get(section), f"no {section} ({table}) in the export"
        for row_id in seeded.ids.get(table, []):
            assert str(row_id) in {str(i.get("id", i.get("entry_id"))) for i in by_section[section]}, table
    [row] = by_section["member"]
    assert row["national_id"] == ASTRID_NID and "national_id_encrypted" not in row
    assert row["first_name"] == "Astrid" and row["email"] == "astrid.fjellheim@example.org"
    assert by_section["messages"][0]["text"] == MESSAGE_TEXT and "text_encrypted" not in by_section["messages"][0]
    assert by_section["message_replies"][0]["text"] == REPLY_TEXT
    assert by_section["message_attachments"][0]["filename"] == "lonnsslipp.pdf"
    assert by_section["powers_of_attorney"][0]["grantee_name"] == GRANTEE
    assert by_section["dossier"][0]["summary"] == DOSSIER_TEXT
    [read] = by_section["audit"]
    assert (read["subject"], read["purpose"]) == ("agent-7", "dues_question")
    assert by_section["course_signups"][0]["course_title"] == "Tillitsvalgtkurs"
    # nothing of the other member's
    assert all(str(i.get("member_id", member_id)) == str(member_id) for i in lines_of(by_section, "dossier"))
    # another tenant's token sees nothing
    r = await client.get(
        f"/internal/v1/personal-data/members/{member_id}", headers=headers(OTHER_TENANT, scopes=EXPORTER)
    )
    assert r.status_code == 200 and r.text == ""


def lines_of(by_section: dict[str, list[dict[str, Any]]], section: str) -> list[dict[str, Any]]:
    return by_section.get(section, [])


class Peers:
    """The other services, answering in-process: what each answered and the tokens they were sent."""

    def __init__(self, member_id: str, answers: dict[str, Any]) -> None:
        self.member_id = member_id
        self.answers = answers
        self.seen: dict[str, str] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        service = request.url.host
        assert request.url.path == f"/internal/v1/personal-data/members/{self.member_id}"
        self.seen[service] = request.headers.get("authorization", "")
        answer = self.answers[service]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, content=body.encode(), headers={"content-type": "application/x-ndjson"})


def _line(service: str, section: str, item: dict[str, Any]) -> str:
    return json.dumps({"service": service, "section": section, "item": item}) + "\n"


def _use(app: FastAPI, peers: Peers) -> None:
    ctx = context_of(app)
    ctx.peers.urls = {name: f"http://{name}" for name in PEER_SERVICES}
    ctx.peers.transport = httpx.MockTransport(peers)


async def test_the_aggregate_gathers_every_service_and_names_the_ones_that_failed(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    member = await create_member(client)
    member_id = member["id"]
    peers = Peers(
        member_id,
        {
            "routing": (200, _line("routing", "calls", {"call_id": "c1", "caller_number": "+4748123456"}) * 2),
            "callbacks": (500, "boom"),
            "surveys": httpx.ConnectError("refused"),
            "agents": (200, _line("agents", "bookings", {"id": "b1"}) + "not json\n"),
        },
    )
    _use(app, peers)
    h = headers(scopes=EXPORTER)
    r = await client.get(f"/v1/members/{member_id}/personal-data", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    doc = r.json()
    assert doc["member_id"] == member_id and doc["generated_at"]
    sections = [(i["service"], i["section"]) for i in doc["items"]]
    assert ("members", "member") in sections and ("members", "phones") in sections
    assert sections.count(("routing", "calls")) == 2
    assert ("agents", "bookings") in sections  # what it sent before the broken line
    assert sorted(doc["unavailable"]) == ["agents", "callbacks", "surveys"]
    assert set(peers.seen.values()) == {h["Authorization"]}  # the caller's token, forwarded to each

    # the read is audited
    audit = await client.get(f"/internal/v1/personal-data/members/{member_id}", headers=h)
    purposes = [line["item"]["purpose"] for line in _ndjson(audit.text) if line["section"] == "audit"]
    assert purposes == ["access_request"]


async def test_no_service_configured_is_unavailable_not_an_error(client: httpx.AsyncClient, app: FastAPI) -> None:
    member = await create_member(client)
    context_of(app).peers.urls = {}
    r = await client.get(f"/v1/members/{member['id']}/personal-data", headers=headers(scopes=EXPORTER))
    assert r.status_code == 200
    assert sorted(r.json()["unavailable"]) == sorted(PEER_SERVICES)


async def test_the_html_document_escapes_everything(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    member = await create_member(client)
    await seed_everything(app, TENANT, uuid.UUID(member["id"]), at=clock.now())
    hostile = "<img src=x onerror=alert(1)>"
    _use(
        app,
        Peers(
            member["id"],
            {
                "routing": (200, _line("routing", "<b>calls</b>", {hostile: hostile})),
                "callbacks": (200, ""),
                "surveys": (200, ""),
                "agents": (404, ""),
            },
        ),
    )
    r = await client.get(
        f"/v1/members/{member['id']}/personal-data", params={"format": "html"}, headers=headers(scopes=EXPORTER)
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<script>" not in html and "<img" not in html and "<b>calls" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Astrid" in html and "Service: routing" in html and "&lt;b&gt;calls&lt;/b&gt;" in html
    assert "<li>agents</li>" in html and html.rstrip().endswith("</html>")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    bad = await client.get(
        f"/v1/members/{member['id']}/personal-data", params={"format": "pdf"}, headers=headers(scopes=EXPORTER)
    )
    assert bad.status_code == 422 and bad.json()["field"] == "format"


async def test_another_tenants_member_is_404_and_the_scope_is_required(client: httpx.AsyncClient) -> None:
    theirs = await create_member(client, tenant=OTHER_TENANT)
    r = await client.get(f"/v1/members/{theirs['id']}/personal-data", headers=headers(scopes=EXPORTER))
    assert r.status_code == 404
    r = await client.get(f"/v1/members/{uuid.uuid4()}/personal-data", headers=headers(scopes=EXPORTER))
    assert r.status_code == 404
    r = await client.get(
        f"/v1/members/{theirs['id']}/personal-data", headers=headers(OTHER_TENANT, scopes="members:read")
    )
    assert r.status_code == 403


async def test_a_large_dossier_streams_through_every_page(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock
) -> None:
    member = await create_member(client)
    member_id = uuid.UUID(member["id"])
    now = clock.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant_id": TENANT,
            "member_id": member_id,
            "kind": "log",
            "summary": f"note {i}",
            "noted_on": now.date(),
            "author": "agent-1",
            "occurred_at": now - timedelta(minutes=i),
            "created_at": now,
        }
        for i in range(1234)
    ]
    async with context_of(app).db.transaction() as s:
        await s.execute(insert(DossierEntry), rows)
    ctx = context_of(app)
    ctx.peers.urls = {}
    # the document is written item by item (the in-process client gathers the body, so read the writer)
    chunks = [c async for c in access.as_json(ctx, TENANT, member_id, "Bearer x", now)]
    assert len(chunks) > 1234
    doc = json.loads(b"".join(chunks))
    notes = [i["item"]["summary"] for i in doc["items"] if i["section"] == "dossier"]
    assert len(notes) == 1234 and notes[0] == "note 1233" and notes[-1] == "note 0"  # oldest first
    r = await client.get(f"/v1/members/{member_id}/personal-data", headers=headers(scopes=EXPORTER))
    assert len([i for i in r.json()["items"] if i["section"] == "dossier"]) == 1234
