"""The union's three verification paths, their failures, and the lockout."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.contacts.models import VerificationAttempt
from frontdoor_members.settings import Settings
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
        "failure": "no_match",
        "attempts_left": 2,
        "contact": None,
    }
    unknown = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_number="9999999")
    assert unknown.json()["failure"] == "no_match"  # the same answer: nothing tells which half was wrong
    async with app.state.runtime.db.transaction() as s:
        attempts = list(await s.scalars(select(VerificationAttempt)))
        payloads = [row.payload for row in (await s.execute(select(outbox.c.payload))).all()]
    # the detailed reason stays in the attempt record, for the audit only
    assert [a.failure for a in attempts] == ["national_id_mismatch", "member_not_found"]
    assert not any(BJORN_NID in p or ASTRID_NID in p for p in payloads)


async def test_a_placeholder_national_id_can_never_verify(client: httpx.AsyncClient) -> None:
    await create_member(client, national_id="00100")
    contact = await open_contact(client)
    r = await verify(client, contact["id"], method="member", national_id="00100", member_number="2000013")
    assert r.json()["verified"] is False and r.json()["failure"] == "no_match"


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
    assert name.json()["failure"] == "no_match"
    unknown = await verify(
        client,
        contact["id"],
        method="invoice",
        kid=kids.make("3999999", 1),
        name="Astrid Fjellheim",
        national_id=ASTRID_NID,
    )
    assert unknown.json()["failure"] == "no_match"
    wrong = await verify(
        client, contact["id"], method="invoice", kid=kid, name="Astrid Fjellheim", national_id=BJORN_NID
    )
    assert wrong.json()["failure"] == "no_match"
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
    assert refused.json()["verified"] is False and refused.json()["failure"] == "no_match"

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
    assert gone.json()["failure"] == "no_match"


async def test_a_closed_contact_can_no_longer_be_verified(client: httpx.AsyncClient) -> None:
    await create_member(client)
    contact = await open_contact(client)
    closed = await client.post(f"/v1/contacts/{contact['id']}/close", headers=headers())
    assert closed.json()["active"] is False
    r = await verify(client, contact["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert r.status_code == 409 and r.json()["error_id"] == "contact_closed"


async def _guess(client: httpx.AsyncClient, contact_id: str, member_number: str = "2000013") -> httpx.Response:
    return await verify(client, contact_id, method="member", national_id=BJORN_NID, member_number=member_number)


async def test_wrong_guesses_about_one_member_lock_that_member_across_contacts_for_the_window(
    settings: Settings, clock: ManualClock
) -> None:
    async with running_app(create_app(settings, clock=clock)) as client:
        member = await create_member(client)
        limit = settings.max_member_verification_failures
        guesses = 0
        numbers = iter(["+47 415 00 001", "+47 415 00 002", "+47 415 00 003", "+47 415 00 004"])
        while guesses < limit:  # new contacts from new numbers: the contact lock alone would never stop this
            contact = await open_contact(client, caller_number=next(numbers))
            for _ in range(min(2, limit - guesses)):
                assert (await _guess(client, contact["id"])).json()["failure"] == "no_match"
                guesses += 1
        fresh = await open_contact(client, caller_number="+47 415 00 099")
        assert fresh["attempts_left"] == 3
        right = await verify(client, fresh["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
        assert right.status_code == 423, right.text
        assert right.json()["error_id"] == "verification_locked"
        assert ASTRID_NID not in right.text and member["id"] not in right.text
        # another member is not locked by it
        other = await create_member(
            client, member_number="2000021", national_id=BJORN_NID, phones=[], first_name="Bjørn"
        )
        ok = await verify(client, fresh["id"], method="member", national_id=BJORN_NID, member_number="2000021")
        assert ok.json()["verified"] is True and ok.json()["member_id"] == other["id"]

        # the window passes: the member can be verified again
        clock.advance(minutes=settings.verification_lockout_minutes + 1)
        later = await open_contact(client, caller_number="+47 415 00 098")
        again = await verify(client, later["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
        assert again.json()["verified"] is True


async def test_wrong_guesses_from_one_number_lock_that_number_across_contacts_and_members(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await create_member(client)
    limit = app.state.runtime.settings.max_number_verification_failures
    guesses = 0
    while guesses < limit:  # a different (unknown) member number each time: no member lock applies
        contact = await open_contact(client, caller_number=UNKNOWN_CALLER)
        for _ in range(min(2, limit - guesses)):
            r = await _guess(client, contact["id"], member_number=f"90000{guesses:02d}")
            assert r.json()["failure"] == "no_match"
            guesses += 1
    same_number = await open_contact(client, caller_number=UNKNOWN_CALLER)
    refused = await verify(client, same_number["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert refused.status_code == 423 and refused.json()["error_id"] == "verification_locked"
    elsewhere = await open_contact(client, caller_number="+47 415 00 123")
    ok = await verify(client, elsewhere["id"], method="member", national_id=ASTRID_NID, member_number="2000013")
    assert ok.json()["verified"] is True


async def test_concurrent_wrong_guesses_about_one_member_never_exceed_the_limit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    import asyncio

    await create_member(client)
    limit = app.state.runtime.settings.max_member_verification_failures
    contacts = [await open_contact(client, caller_number=f"+47 415 01 {i:03d}") for i in range(limit * 2)]
    answers = await asyncio.gather(*(_guess(client, c["id"]) for c in contacts))
    assert all(a.status_code in (200, 423) for a in answers), [a.text for a in answers]
    assert sum(a.status_code == 200 for a in answers) == limit
    async with app.state.runtime.db.transaction() as s:
        assert len(list(await s.scalars(select(VerificationAttempt)))) == limit


async def test_concurrent_wrong_guesses_on_one_contact_never_exceed_its_limit(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    import asyncio

    await create_member(client)
    contact = await open_contact(client)
    answers = await asyncio.gather(*(_guess(client, contact["id"]) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 423, 423, 423], [a.text for a in answers]
    seen = (await client.get(f"/v1/contacts/{contact['id']}", headers=headers())).json()
    assert seen["failed_attempts"] == 3 and seen["locked"] is True
