"""Who is calling: by number (local formats, switchboard suffix, shared numbers), member number, KID."""

from __future__ import annotations

import httpx

from frontdoor_members.identity.kid import make as make_kid
from frontdoor_members.testing import BJORN_NID, SIGRID_NID, create_member, headers


async def test_the_caller_is_found_whatever_the_format_of_the_number(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    for number in ["48123456", "481 23 456", "+47 481 23 456", "004748123456", "48123456-111"]:
        r = await client.get("/v1/members/lookup", params={"phone": number}, headers=headers())
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["number"] == "+4748123456"
        assert [c["member_id"] for c in body["candidates"]] == [member["id"]]
        assert set(body["candidates"][0]) >= {"member_id", "member_number", "first_name", "last_name", "department_id"}


async def test_a_shared_family_number_gives_every_member_on_it(client: httpx.AsyncClient) -> None:
    home = {"number": "22 33 44 55", "kind": "home"}
    await create_member(client, member_number="2000013", phones=[home, {"number": "48123456"}])
    await create_member(client, member_number="2000021", first_name="Bjørn", national_id=BJORN_NID, phones=[home])
    await create_member(client, member_number="2000039", first_name="Sigrid", national_id=SIGRID_NID, phones=[])
    r = await client.get("/v1/members/lookup", params={"phone": "22334455-204"}, headers=headers())
    assert sorted(c["first_name"] for c in r.json()["candidates"]) == ["Astrid", "Bjørn"]
    contact = await client.post("/v1/contacts", json={"caller_number": "22334455"}, headers=headers())
    assert contact.json()["candidate_count"] == 2 and contact.json()["recognised_member_id"] is None


async def test_an_unknown_number_gives_no_candidates_and_garbage_is_a_problem(client: httpx.AsyncClient) -> None:
    await create_member(client)
    none = await client.get("/v1/members/lookup", params={"phone": "41500999"}, headers=headers())
    assert none.json()["candidates"] == []
    bad = await client.get("/v1/members/lookup", params={"phone": "anonymous"}, headers=headers())
    assert bad.status_code == 422 and bad.json()["field"] == "phone"
    neither = await client.get("/v1/members/lookup", headers=headers())
    assert neither.status_code == 422 and neither.json()["field"] == "phone"


async def test_lookup_by_kid_needs_a_matching_name(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    kid = make_kid("2000013", 3)
    found = await client.post(
        "/v1/members/lookup/kid", json={"kid": kid, "name": "Fjellheim, Astrid"}, headers=headers()
    )
    assert [c["member_id"] for c in found.json()["candidates"]] == [member["id"]]
    wrong = await client.post("/v1/members/lookup/kid", json={"kid": kid, "name": "Berit Fjellheim"}, headers=headers())
    assert wrong.json()["candidates"] == []
    bad = await client.post("/v1/members/lookup/kid", json={"kid": kid[:-1] + "x", "name": "A"}, headers=headers())
    assert bad.status_code == 422 and bad.json()["field"] == "kid"


async def test_an_invoice_kid_must_start_with_the_member_number_and_carry_a_valid_check_digit(
    client: httpx.AsyncClient,
) -> None:
    member = await create_member(client)
    url = f"/v1/members/{member['id']}/invoices"
    foreign = await client.post(
        url, json={"kid": make_kid("3000011", 1), "amount": "545", "due_date": "2026-12-01"}, headers=headers()
    )
    assert foreign.status_code == 422 and foreign.json()["error_id"] == "kid_member_mismatch"
    assert foreign.json()["field"] == "kid"
    kid = make_kid("2000013", 5)
    broken = await client.post(
        url,
        json={"kid": kid[:-1] + str((int(kid[-1]) + 1) % 10), "amount": "545", "due_date": "2026-12-01"},
        headers=headers(),
    )
    assert broken.status_code == 422 and broken.json()["field"] == "kid"
    ok = await client.post(url, json={"kid": kid, "amount": "545", "due_date": "2026-12-01"}, headers=headers())
    assert ok.status_code == 201
    again = await client.post(url, json={"kid": kid, "amount": "545", "due_date": "2026-12-01"}, headers=headers())
    assert again.status_code == 409 and again.json()["field"] == "kid"
    paid = await client.patch(
        f"/v1/invoices/{ok.json()['id']}", json={"paid": True, "paid_on": "2026-11-20"}, headers=headers()
    )
    assert paid.json()["paid"] is True and paid.json()["paid_on"] == "2026-11-20"


async def test_e164_and_the_switchboard_suffix_find_the_same_caller(client: httpx.AsyncClient) -> None:
    member = await create_member(client, phones=[{"number": "93704606"}])
    for number in ["93704606-111", "+4793704606", "+4793704606-111", "4793704606", "93704606"]:
        r = await client.get("/v1/members/lookup", params={"phone": number}, headers=headers())
        assert r.status_code == 200, (number, r.text)
        assert r.json()["number"] == "+4793704606", number
        assert [c["member_id"] for c in r.json()["candidates"]] == [member["id"]], number
    # routing may put E.164 into the query unencoded: its "+" then arrives as a space
    raw = await client.get("/v1/members/lookup?phone=+4793704606", headers=headers())
    assert raw.status_code == 200 and [c["member_id"] for c in raw.json()["candidates"]] == [member["id"]]
    contact = await client.post("/v1/contacts", json={"caller_number": "+4793704606-111"}, headers=headers())
    assert contact.json()["recognised_member_id"] == member["id"]
    # a foreign number in E.164 is not read as a local one
    swedish = await client.get("/v1/members/lookup", params={"phone": "+46701234567"}, headers=headers())
    assert swedish.json()["number"] == "+46701234567" and swedish.json()["candidates"] == []
