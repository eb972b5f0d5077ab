"""Identity data: one member per national ID, the tenant's own placeholders, ASCII digits everywhere."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_members.crypto import Vault
from frontdoor_members.members.models import Member
from frontdoor_members.members.personal_data import reencrypt
from frontdoor_members.testing import (
    ASTRID_NID,
    BJORN_NID,
    OTHER_TENANT,
    context_of,
    create_member,
    headers,
    member_body,
    open_contact,
    verify,
)


def arabic(digits: str) -> str:
    """The same digits in Arabic-Indic script (str.isdigit and a pattern's \\d accept them)."""
    return digits.translate({ord("0") + i: 0x0660 + i for i in range(10)})


ARABIC_DIGITS = arabic("123")


async def test_a_second_member_with_the_same_national_id_is_refused(client: httpx.AsyncClient) -> None:
    await create_member(client)
    again = await client.post(
        "/v1/members", json=member_body(member_number="2000021", national_id=ASTRID_NID), headers=headers()
    )
    assert again.status_code == 409, again.text
    assert again.json()["error_id"] == "national_id_taken" and again.json()["field"] == "national_id"
    assert ASTRID_NID not in again.text
    # written differently, the same number is the same person
    spaced = f"{ASTRID_NID[:6]} {ASTRID_NID[6:]}"
    assert (
        await client.post(
            "/v1/members", json=member_body(member_number="2000021", national_id=spaced), headers=headers()
        )
    ).status_code == 409
    # changing another member's national ID to it is refused too
    other = await create_member(client, member_number="2000039", national_id=BJORN_NID, phones=[])
    patched = await client.patch(f"/v1/members/{other['id']}", json={"national_id": ASTRID_NID}, headers=headers())
    assert patched.status_code == 409 and patched.json()["field"] == "national_id"
    # re-stating one's own is fine, and another tenant may register the same person
    assert (
        await client.patch(f"/v1/members/{other['id']}", json={"national_id": BJORN_NID}, headers=headers())
    ).status_code == 200
    await create_member(client, tenant=OTHER_TENANT)


async def test_the_same_placeholder_may_stand_for_many_members(client: httpx.AsyncClient) -> None:
    await create_member(client, national_id="00100")
    second = await create_member(client, member_number="2000021", national_id="00100", phones=[])
    assert second["placeholder_national_id"] is True


async def test_duplicates_are_found_across_a_key_rotation(app: FastAPI, client: httpx.AsyncClient) -> None:
    await create_member(client)
    ctx = context_of(app)
    old_key = ctx.settings.data_keys[0]
    from cryptography.fernet import Fernet

    # a new key is prepended: members registered before keep the old key's digest until re-encrypted
    ctx.vault = Vault([Fernet.generate_key().decode(), old_key])
    again = await client.post(
        "/v1/members", json=member_body(member_number="2000021", national_id=ASTRID_NID), headers=headers()
    )
    assert again.status_code == 409
    async with ctx.db.transaction() as s:
        changed, _ = await reencrypt(s, ctx.vault)
    assert changed == 1
    again = await client.post(
        "/v1/members", json=member_body(member_number="2000021", national_id=ASTRID_NID), headers=headers()
    )
    assert again.status_code == 409


async def test_only_the_tenants_placeholders_are_placeholders(client: httpx.AsyncClient) -> None:
    for short in ["12345", "1", "99999", "00000000000"]:
        r = await client.post(
            "/v1/members", json=member_body(member_number="2000021", national_id=short), headers=headers()
        )
        assert r.status_code == 422, (short, r.text)
        assert r.json()["field"] == "national_id"
    settings = await client.put(
        "/v1/tenant/settings", json={"country": "NO", "placeholder_national_ids": ["99999"]}, headers=headers()
    )
    assert settings.status_code == 200 and settings.json()["placeholder_national_ids"] == ["99999"]
    ok = await create_member(client, member_number="2000021", national_id="99999")
    assert ok["placeholder_national_id"] is True
    old = await client.post(
        "/v1/members", json=member_body(member_number="2000039", national_id="00100"), headers=headers()
    )
    assert old.status_code == 422 and old.json()["field"] == "national_id"
    bad = await client.put(
        "/v1/tenant/settings", json={"country": "NO", "placeholder_national_ids": ["12a"]}, headers=headers()
    )
    assert bad.status_code == 422 and bad.json()["field"].startswith("placeholder_national_ids")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"member_number": f"{ARABIC_DIGITS}36325"}, "member_number"),
        ({"member_number": "1" * 21}, "member_number"),
        ({"national_id": ARABIC_DIGITS + ASTRID_NID[3:]}, "national_id"),
        ({"phones": [{"number": arabic("48123456")}]}, "phones.0.number"),
        ({"address": {"line1": "Vei 1", "postal_code": arabic("0580"), "city": "Oslo"}}, "address.postal_code"),
    ],
)
async def test_digits_are_ascii_and_numbers_bounded_when_registering(
    app: FastAPI, client: httpx.AsyncClient, override: dict[str, object], field: str
) -> None:
    r = await client.post("/v1/members", json=member_body(**override), headers=headers())
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    async with app.state.runtime.db.transaction() as s:
        assert list(await s.scalars(select(Member))) == []


async def test_digits_are_ascii_in_invoices_lookups_contacts_and_verification(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    invoices = f"/v1/members/{member['id']}/invoices"
    for body, field in [
        ({"amount": arabic("545") + ".00", "due_date": "2026-12-01"}, "amount"),
        ({"amount": "545.00", "due_date": "2026-12-01", "kid": "2000013" + ARABIC_DIGITS}, "kid"),
    ]:
        r = await client.post(invoices, json=body, headers=headers())
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    ok = await client.post(invoices, json={"amount": "545.00", "due_date": "2026-12-01"}, headers=headers())
    assert ok.status_code == 201 and len(ok.json()["kid"]) <= 25
    for params, field in [
        ({"phone": arabic("48123456")}, "phone"),
        ({"member_number": ARABIC_DIGITS}, "member_number"),
    ]:
        r = await client.get("/v1/members/lookup", params=params, headers=headers())
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    kid = await client.post(
        "/v1/members/lookup/kid", json={"kid": "2000013" + arabic("1"), "name": "A F"}, headers=headers()
    )
    assert kid.status_code == 422 and kid.json()["field"] == "kid"
    contact = await client.post("/v1/contacts", json={"caller_number": arabic("48123456")}, headers=headers())
    assert contact.status_code == 422 and contact.json()["field"] == "caller_number"
    c = await open_contact(client)
    r = await verify(client, c["id"], method="member", national_id=ASTRID_NID, member_number=ARABIC_DIGITS)
    assert r.status_code == 422 and r.json()["field"] == "member_number"
    r = await verify(
        client, c["id"], method="member", national_id=arabic(ASTRID_NID[0]) + ASTRID_NID[1:], member_number="2000013"
    )
    assert r.status_code == 422 and r.json()["field"] == "national_id"


async def test_a_longest_member_number_still_gets_invoices(client: httpx.AsyncClient) -> None:
    member = await create_member(client, member_number="9" * 20)
    r = await client.post(
        f"/v1/members/{member['id']}/invoices", json={"amount": "545.00", "due_date": "2026-12-01"}, headers=headers()
    )
    assert r.status_code == 201, r.text
    assert r.json()["kid"].startswith("9" * 20) and len(r.json()["kid"]) == 25


async def test_reencrypt_fills_in_digests_and_leaves_an_old_duplicate_without_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first = await create_member(client)
    second = await create_member(client, member_number="2000021", national_id=BJORN_NID, phones=[])
    ctx = context_of(app)
    vault = ctx.vault
    async with ctx.db.transaction() as s:  # as registered before digests existed, one of them twice
        for member in await s.scalars(select(Member)):
            member.national_id_digest = None
            member.national_id_encrypted = vault.encrypt(ASTRID_NID)
    async with ctx.db.transaction() as s:
        await reencrypt(s, vault)
    async with ctx.db.transaction() as s:
        digests = {str(m.id): m.national_id_digest for m in await s.scalars(select(Member))}
    # one of the two keeps the digest (the first by id), the other none
    assert sorted(digests.values(), key=str) == sorted([vault.digest(ASTRID_NID), None], key=str)
    assert set(digests) == {first["id"], second["id"]}
    third = await client.post(
        "/v1/members", json=member_body(member_number="2000039", national_id=ASTRID_NID), headers=headers()
    )
    assert third.status_code == 409
