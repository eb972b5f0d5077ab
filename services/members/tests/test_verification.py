"""The union's three verification paths, their failures, and the lockout."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_members.contacts.models import VerificationAttempt
from frontdoor_members.testing import (
    ASTRID_NID,
    BJORN_NID,
    create_member,
    headers,
    open_contact,
    verified_contact,
    verify,
)

UNKNOWN_CALLER = "+47 415 00 999"


async def test_a_member_not_recognised_is_verified_by_national_id_and_member_number(
    client: httpx.AsyncClient,
) -> None:
    member = await create_member(client)
    contact = await open_contact(client, caller_number=UNKNOWN_CALLER)
    assert contact["recognised_member_id"] is None and contact["candidates"] == []
    r = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verified"] is True and body["level"] == "member" and body["member_id"] == member["id"]
    seen = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()
    assert seen["verified"] is True and seen["level"] == "member" and seen["member_id"] == member["id"]
    assert "personal_data" in seen["scopes"]


async def test_a_member_not_recognised_must_give_the_member_number(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    contact = await open_contact(client, caller_number=UNKNOWN_CALLER)
    r = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_id=member["id"])
    assert r.status_code == 422 and r.json()["field"] == "member_number"
    missing = await verify(client, contact["id"], method="member", member_number="2000013")
    assert missing.status_code == 422 and missing.json()["field"] == "national_id"
    seen = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()
    assert seen["failed_attempts"] == 0  # bad input is not an attempt


async def test_a_member_recognised_by_their_number_is_verified_by_national_id_alone(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    contact = await open_contact(client, caller_number="48123456-111")
    assert contact["recognised_member_id"] == member["id"]
    r = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_id=member["id"])
    assert r.json()["verified"] is True


async def test_a_wrong_national_id_fails_and_is_counted(app: FastAPI, client: httpx.AsyncClient) -> None:
    await create_member(client)
    contact = await open_contact(client)
    r = await verify(client, contact["id"], method="member", national_id=BJORN_NID, member_number="2000013")
    assert r.status_code == 200
    assert r.json() | {"contact": None} == {
        "verified": False,
        "level": "none",
        "member_id": None,
        "failure": "national_id_mismatch",
        "attempts_left": 2,
        "contact": None,
    }
    unknown = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_number="9999999")
    assert unknown.json()["failure"] == "member_not_found"
    async with app.state.runtime.db.transaction() as s:
        attempts = list(await s.scalars(select(VerificationAttempt)))
        payloads = [row.payload for row in (await s.execute(select(outbox.c.payload))).all()]
    assert [a.failure for a in attempts] == ["national_id_mismatch", "member_not_found"]
    assert not any(BJORN_NID in p or ASTRID_NID in p for p in payloads)


async def test_a_placeholder_national_id_can_never_verify(client: httpx.AsyncClient) -> None:
    await create_member(client, national_id="00100")
    contact = await open_contact(client)
    r = await verify(client, contact["id"], method="member", national_id="00100", member_number="2000013")
    assert r.json()["verified"] is False and r.json()["failure"] == "no_national_id_on_file"


async def test_the_contact_locks_after_the_allowed_failures(client: httpx.AsyncClient) -> None:
    await create_member(client)
    contact = await open_contact(client)
    for left in (2, 1, 0):
        r = await verify(client, contact["id"], method="member", national_id=BJORN_NID, member_number="2000013")
        assert r.json()["attempts_left"] == left
    assert r.json()["contact"]["locked"] is True
    # even the right answer is refused now, and nothing about the member is given away
    locked = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert locked.status_code == 423
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["error_id"] == "contact_locked"
    seen = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()
    assert seen["failed_attempts"] == 3 and seen["locked"] is True and seen["verified"] is False


async def test_someone_on_the_members_behalf_is_verified_by_kid_name_and_national_id(
    client: httpx.AsyncClient,
) -> None:
    member = await create_member(client)
    invoice = await client.post(
        f"/v1/members/{member['id']}/invoices", json={"amount": "545.00", "due_date": "2026-12-01"}, headers=headers()
    )
    assert invoice.status_code == 201, invoice.text
    kid = invoice.json()["kid"]
    assert kid.startswith("2000013")
    contact = await open_contact(client, caller_number=UNKNOWN_CALLER)
    r = await verify(client, contact["id"], method="invoice", kid=kid, name="astrid fjellheim", national_id=ASTRID_NID)
    assert r.json()["verified"] is True and r.json()["level"] == "on_behalf_invoice"
    assert r.json()["contact"]["scopes"] == ["invoice"]  # the invoice, not the member's personal data


async def test_a_kid_whose_invoice_is_unknown_still_finds_the_member_by_its_leading_digits(
    client: httpx.AsyncClient,
) -> None:
    await create_member(client)
    from frontdoor_members.identity import kid as kids

    kid = kids.make("2000013", 77)  # an older invoice this registry never saw
    contact = await open_contact(client)
    r = await verify(client, contact["id"], method="invoice", kid=kid, name="Astrid Fjellheim", national_id=ASTRID_NID)
    assert r.json()["verified"] is True


async def test_the_invoice_path_fails_on_a_wrong_name_an_unknown_kid_or_a_wrong_national_id(
    client: httpx.AsyncClient,
) -> None:
    from frontdoor_members.identity import kid as kids

    await create_member(client)
    kid = kids.make("2000013", 1)
    contact = await open_contact(client)
    name = await verify(
        client, contact["id"], method="invoice", kid=kid, name="Berit Fjellheim", national_id=ASTRID_NID
    )
    assert name.json()["failure"] == "name_mismatch"
    unknown = await verify(
        client,
        contact["id"],
        method="invoice",
        kid=kids.make("3999999", 1),
        name="Astrid Fjellheim",
        national_id=ASTRID_NID,
    )
    assert unknown.json()["failure"] == "kid_unknown"
    wrong = await verify(
        client, contact["id"], method="invoice", kid=kid, name="Astrid Fjellheim", national_id=BJORN_NID
    )
    assert wrong.json()["failure"] == "national_id_mismatch"
    assert wrong.json()["contact"]["locked"] is True
    bad_kid = await open_contact(client)
    r = await verify(client, bad_kid["id"], method="invoice", kid="20000131", name="A F", national_id=ASTRID_NID)
    assert r.status_code == 422 and r.json()["field"] == "kid"


async def test_a_third_party_needs_the_members_recorded_oral_power_of_attorney(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    caller = await open_contact(client, caller_number="+47 930 11 223")
    refused = await verify(
        client, caller["id"], method="power_of_attorney", name="Per Fjellheim", member_number="2000013"
    )
    assert refused.json()["verified"] is False and refused.json()["failure"] == "no_power_of_attorney"

    # the agent talks to the member first; only a contact verified as the member may record it
    unverified = await open_contact(client)
    r = await client.post(
        f"/v1/members/{member['id']}/powers-of-attorney",
        json={"contact_id": unverified["id"], "grantee_name": "Per Fjellheim"},
        headers=headers(),
    )
    assert r.status_code == 403 and r.json()["error_id"] == "member_not_verified"
    with_member = await verified_contact(client, member, ASTRID_NID)
    r = await client.post(
        f"/v1/members/{member['id']}/powers-of-attorney",
        json={"contact_id": with_member, "grantee_name": "Per Fjellheim"},
        headers=headers(),
    )
    assert r.status_code == 201, r.text
    power_id = r.json()["id"]

    again = await open_contact(client, caller_number="+47 930 11 223")
    ok = await verify(client, again["id"], method="power_of_attorney", name="per fjellheim", member_id=member["id"])
    assert ok.json()["verified"] is True and ok.json()["level"] == "third_party_case"
    assert ok.json()["contact"]["scopes"] == ["case"]

    await client.post(f"/v1/members/{member['id']}/powers-of-attorney/{power_id}/revoke", headers=headers())
    later = await open_contact(client)
    gone = await verify(client, later["id"], method="power_of_attorney", name="Per Fjellheim", member_number="2000013")
    assert gone.json()["failure"] == "no_power_of_attorney"


async def test_a_closed_contact_can_no_longer_be_verified(client: httpx.AsyncClient) -> None:
    await create_member(client)
    contact = await open_contact(client)
    closed = await client.post(f"/v1/contacts/{contact['id']}/close", headers=headers())
    assert closed.json()["active"] is False
    r = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert r.status_code == 409 and r.json()["error_id"] == "contact_closed"
