"""Registering and changing members: validation by country, phones, departments, returned mail."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from frontdoor_common.bus.tables import outbox
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.testing import ASTRID_NID, D_NUMBER, context_of, create_member, headers, member_body


async def _count(app: FastAPI, table: Any) -> int:
    async with app.state.runtime.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_member_is_registered_with_e164_numbers_and_a_masked_national_id(client: httpx.AsyncClient) -> None:
    member = await create_member(
        client, phones=[{"number": "481 23 456"}, {"number": "0047 22 33 44 55", "kind": "home"}]
    )
    assert member["phones"] == [{"number": "+4748123456", "kind": "mobile"}, {"number": "+4722334455", "kind": "home"}]
    assert member["national_id"] == "*********" + ASTRID_NID[-2:]
    assert member["national_id_revealed"] is False
    assert member["national_id_kind"] == "fodselsnummer"
    assert member["address"] is None and member["address_on_file"] is True
    got = await client.get(f"/v1/members/{member['id']}", headers=headers())
    assert got.status_code == 200
    assert got.json()["member_number"] == "2000013"


async def test_the_national_id_is_stored_encrypted(app: FastAPI, client: httpx.AsyncClient) -> None:
    await create_member(client)
    async with app.state.runtime.db.transaction() as s:
        stored = (await s.scalars(select(Member))).one()
    assert stored.national_id_encrypted is not None
    assert ASTRID_NID not in stored.national_id_encrypted
    assert context_of(app).vault.decrypt(stored.national_id_encrypted) == ASTRID_NID


async def test_d_numbers_and_placeholders_are_accepted_and_placeholders_flagged(client: httpx.AsyncClient) -> None:
    d = await create_member(client, member_number="2000021", national_id=D_NUMBER)
    assert d["national_id_kind"] == "d_number"
    p = await create_member(client, member_number="2000039", national_id="00100")
    assert p["placeholder_national_id"] is True
    assert p["national_id"] == "***00"


BAD_INPUT = [
    ({"national_id": "12345678901"}, "national_id", 422),
    ({"phones": [{"number": "12"}]}, "phones.0.number", 422),
    ({"phones": [{"number": "481 23 456"}, {"number": "not a number"}]}, "phones.1.number", 422),
    ({"email": "not-an-email"}, "email", 422),
    ({"member_number": "12AB"}, "member_number", 422),
    ({"first_name": ""}, "first_name", 422),
    ({"status": "sleeping"}, "status", 422),
    ({"department_id": "6f1c4a52-2c55-4f0e-9d4e-1f4b1c9e7a10"}, "department_id", 422),
    ({"member_number": "2000013"}, "member_number", 409),
]


async def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await create_member(client)
    before = (await _count(app, Member), await _count(app, MemberPhone), await _count(app, outbox))
    for override, field, status in BAD_INPUT:
        r = await client.post(
            "/v1/members", json=member_body(**{"member_number": "2000047", **override}), headers=headers()
        )
        assert r.status_code == status, (override, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["field"] == field, override
        assert ASTRID_NID not in r.text and "12345678901" not in r.text
    assert (await _count(app, Member), await _count(app, MemberPhone), await _count(app, outbox)) == before


async def test_other_countries_validate_by_their_own_rules(client: httpx.AsyncClient) -> None:
    put = await client.put("/v1/tenant/settings", json={"country": "DK"}, headers=headers())
    assert put.status_code == 200 and put.json()["phone_region"] == "DK"
    ok = await client.post(
        "/v1/members",
        json=member_body(national_id="211062-5629", phones=[{"number": "20 12 34 56"}]),
        headers=headers(),
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["national_id_kind"] == "cpr"
    assert ok.json()["phones"][0]["number"] == "+4520123456"
    wrong = await client.post(
        "/v1/members", json=member_body(member_number="2000021", national_id=ASTRID_NID), headers=headers()
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "national_id"
    await client.put("/v1/tenant/settings", json={"country": "NL"}, headers=headers())
    bsn = await client.post(
        "/v1/members",
        json=member_body(member_number="2000039", national_id="111222333", phones=[{"number": "06 12345678"}]),
        headers=headers(),
    )
    assert bsn.status_code == 201, bsn.text
    assert bsn.json()["national_id_kind"] == "bsn"


async def test_without_a_department_the_workplace_chooses_it(client: httpx.AsyncClient) -> None:
    dept = await client.post(
        "/v1/departments",
        json={"code": "avd-9", "name": "Avdeling 9", "workplaces": ["Nordli Bygg AS"]},
        headers=headers(),
    )
    assert dept.status_code == 201, dept.text
    member = await create_member(client, workplace="nordli bygg as")
    assert member["department_id"] == dept.json()["id"]


async def test_a_new_address_clears_the_returned_mail_flag(client: httpx.AsyncClient) -> None:
    member = await create_member(client, returned_mail=True)
    assert member["returned_mail"] is True
    r = await client.patch(
        f"/v1/members/{member['id']}",
        json={"address": {"line1": "Nyveien 1", "postal_code": "0150", "city": "Oslo"}},
        headers=headers(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["returned_mail"] is False


async def test_a_placeholder_national_id_can_be_replaced_and_bad_updates_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    member = await create_member(client, national_id="00100")
    bad = await client.patch(
        f"/v1/members/{member['id']}", json={"national_id": "15108695089", "email": "x@example.org"}, headers=headers()
    )
    assert bad.status_code == 422 and bad.json()["field"] == "national_id"
    ok = await client.patch(f"/v1/members/{member['id']}", json={"national_id": ASTRID_NID}, headers=headers())
    assert ok.status_code == 200
    assert ok.json()["placeholder_national_id"] is False
    assert ok.json()["email"] == "astrid.fjellheim@example.org"


async def test_changes_are_announced_through_the_outbox_keyed_by_member_and_without_national_ids(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    import json

    from frontdoor_members.testing import open_contact, verify

    member = await create_member(client)
    await client.patch(f"/v1/members/{member['id']}", json={"email": "new@example.org"}, headers=headers())
    contact = await open_contact(client, caller_number="48123456")
    await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_id=member["id"])
    await client.post(f"/v1/members/{member['id']}/log", json={"reason": "other", "summary": "Hi"}, headers=headers())
    async with app.state.runtime.db.transaction() as s:
        rows = (await s.execute(select(outbox.c.type, outbox.c.key, outbox.c.payload).order_by(outbox.c.id))).all()
    assert [r.type for r in rows] == [
        "members.member.created",
        "members.member.updated",
        "members.contact.identified",
        "members.contact.verified",
        "members.dossier.entry_added",
    ]
    assert {r.key for r in rows} == {member["id"]}
    assert json.loads(rows[1].payload)["data"]["changed"] == ["email"]
    assert not any(ASTRID_NID in r.payload or "Hi" in json.loads(r.payload)["data"].values() for r in rows)
