"""Masking in every response shape, the reveal for verified contacts, and the audit trail."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select, text

from frontdoor_common.bus.tables import outbox
from frontdoor_members.audit.models import PersonalDataRead
from frontdoor_members.identity.kid import make as make_kid
from frontdoor_members.testing import (
    AGENT,
    AGENT_PII,
    ASTRID_NID,
    SIGRID_NID,
    create_member,
    headers,
    open_contact,
    verified_contact,
    verify,
)


async def test_no_response_shape_carries_the_national_id_without_a_verified_contact(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member = await create_member(client)
    mid = member["id"]
    contact = await open_contact(client, caller_number="48123456")
    h = headers()
    responses = [
        await client.post("/v1/members", json={**_body(), "member_number": "2000021"}, headers=h),
        await client.get(f"/v1/members/{mid}", headers=h),
        await client.get(f"/v1/members/{mid}", headers=h | {"X-Contact-Id": contact["id"]}),  # not verified
        await client.patch(f"/v1/members/{mid}", json={"email": "new@example.org"}, headers=h),
        await client.get("/v1/members/lookup", params={"phone": "48123456"}, headers=h),
        await client.get("/v1/members/lookup", params={"member_number": "2000013"}, headers=h),
        await client.post(
            "/v1/members/lookup/kid", json={"kid": make_kid("2000013", 1), "name": "Astrid Fjellheim"}, headers=h
        ),
        await client.get(f"/v1/contacts/{contact['id']}", headers=h),
        await verify(client, contact["id"], method="member", national_id=SIGRID_NID, member_id=mid),
        await client.get(f"/v1/members/{mid}/checks", params={"contact_id": contact["id"]}, headers=h),
        await client.post(
            f"/v1/members/{mid}/log", json={"reason": "dues_invoice", "summary": "Asked about dues."}, headers=h
        ),
        await client.get(f"/v1/members/{mid}/log", headers=h),
        await client.get(f"/v1/members/{mid}/invoices", headers=h),
        await client.get(f"/v1/members/{mid}/audit", headers=h),
        await client.get("/v1/trends/reasons", headers=h),
    ]
    for r in responses:
        assert r.status_code < 300, (r.request.url, r.text)
        assert ASTRID_NID not in r.text and SIGRID_NID not in r.text, r.request.url
        assert "Bjørkeveien" not in r.text, r.request.url  # the address is withheld too
    async with app.state.runtime.db.transaction() as s:
        payloads = [row.payload for row in (await s.execute(select(outbox.c.payload))).all()]
        reads = list(await s.scalars(select(PersonalDataRead)))
    assert payloads and not any(ASTRID_NID in p or SIGRID_NID in p for p in payloads)
    assert reads == []  # nothing personal was read, nothing audited


def _body() -> dict[str, object]:
    from frontdoor_members.testing import member_body

    return member_body(national_id=SIGRID_NID, first_name="Sigrid")


async def test_a_verified_contact_and_the_pii_scope_reveal_personal_data_and_the_read_is_audited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member = await create_member(client)
    contact_id = await verified_contact(client, member, ASTRID_NID)
    r = await client.get(
        f"/v1/members/{member['id']}",
        params={"purpose": "dues_question"},
        headers=headers(scopes=AGENT_PII, subject="agent-7", **{"X-Contact-Id": contact_id, "X-Request-Id": "req-1"}),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["national_id"] == ASTRID_NID and body["national_id_revealed"] is True
    assert body["address"]["line1"] == "Bjørkeveien 3" and body["address_revealed"] is True
    trail = (await client.get(f"/v1/members/{member['id']}/audit", headers=headers())).json()
    assert len(trail) == 1
    read = trail[0]
    assert read["subject"] == "agent-7" and read["purpose"] == "dues_question" and read["contact_id"] == contact_id
    assert read["fields"] == ["national_id", "address"] and read["request_id"] == "req-1"
    async with app.state.runtime.db.transaction() as s:
        row = (await s.scalars(select(PersonalDataRead))).one()
    assert row.tenant_id == member_tenant() and str(row.member_id) == member["id"]


def member_tenant() -> str:
    from frontdoor_members.testing import TENANT

    return TENANT


async def test_without_the_pii_scope_or_for_another_member_the_data_stays_masked(client: httpx.AsyncClient) -> None:
    astrid = await create_member(client)
    sigrid = await create_member(client, member_number="2000021", first_name="Sigrid", national_id=SIGRID_NID)
    contact_id = await verified_contact(client, astrid, ASTRID_NID)
    no_scope = await client.get(
        f"/v1/members/{astrid['id']}", headers=headers(scopes=AGENT, **{"X-Contact-Id": contact_id})
    )
    assert no_scope.json()["national_id_revealed"] is False and ASTRID_NID not in no_scope.text
    other = await client.get(
        f"/v1/members/{sigrid['id']}", params={"contact_id": contact_id}, headers=headers(scopes=AGENT_PII)
    )
    assert other.json()["national_id_revealed"] is False and SIGRID_NID not in other.text
    # closing the contact ends the reveal
    await client.post(f"/v1/contacts/{contact_id}/close", headers=headers())
    closed = await client.get(f"/v1/members/{astrid['id']}", params={"contact_id": contact_id}, headers=headers())
    assert closed.json()["national_id_revealed"] is False
    assert (await client.get(f"/v1/members/{astrid['id']}/audit", headers=headers())).json() == []


async def test_a_contact_verified_only_about_an_invoice_does_not_reveal_personal_data(
    client: httpx.AsyncClient,
) -> None:
    member = await create_member(client)
    invoice = await client.post(
        f"/v1/members/{member['id']}/invoices", json={"amount": "100", "due_date": "2026-12-01"}, headers=headers()
    )
    contact = await open_contact(client)
    ok = await verify(
        client,
        contact["id"],
        method="invoice",
        kid=invoice.json()["kid"],
        name="Astrid Fjellheim",
        national_id=ASTRID_NID,
    )
    assert ok.json()["verified"] is True
    r = await client.get(f"/v1/members/{member['id']}", params={"contact_id": contact["id"]}, headers=headers())
    assert r.json()["national_id_revealed"] is False and ASTRID_NID not in r.text


async def test_a_read_whose_audit_record_cannot_be_written_fails_and_reveals_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    member = await create_member(client)
    contact_id = await verified_contact(client, member, ASTRID_NID)
    db = app.state.runtime.db
    async with db.transaction() as s:  # the audit table becomes unwritable
        await s.execute(text("ALTER TABLE personal_data_reads RENAME TO personal_data_reads_away"))
    try:
        r = await client.get(f"/v1/members/{member['id']}", headers=headers(**{"X-Contact-Id": contact_id}))
        assert r.status_code == 503
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["error_id"] == "audit_unavailable"
        assert ASTRID_NID not in r.text and "Bjørkeveien" not in r.text
        # a masked read needs no audit and still works
        masked = await client.get(f"/v1/members/{member['id']}", headers=headers())
        assert masked.status_code == 200
    finally:
        async with db.transaction() as s:
            await s.execute(text("ALTER TABLE personal_data_reads_away RENAME TO personal_data_reads"))


async def test_the_national_id_never_reaches_the_logs(client: httpx.AsyncClient, capfd: object) -> None:
    import pytest

    assert isinstance(capfd, pytest.CaptureFixture)
    member = await create_member(client)
    contact = await open_contact(client)
    await verify(client, contact["id"], method="member", national_id=SIGRID_NID, member_number="2000013")
    await client.post("/v1/members", json={**_body(), "national_id": "15108695089"}, headers=headers())
    await client.get(f"/v1/members/{member['id']}", headers=headers())
    out, err = capfd.readouterr()
    for secret in (ASTRID_NID, SIGRID_NID, "15108695089"):
        assert secret not in out and secret not in err
