"""The dossier, record checks, membership changes and reason trends."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import create_member, headers, open_contact


async def test_log_entries_and_dated_remarks_are_kept_newest_first(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    url = f"/v1/members/{member['id']}/log"
    first = await client.post(
        url,
        json={
            "reason": "dues_invoice",
            "summary": "Invoice sent again: payslip missing.",
            "outcome": "resolved_first_line",
        },
        headers=headers(subject="agent-3"),
    )
    assert first.status_code == 201, first.text
    remark = await client.post(
        url, json={"kind": "remark", "summary": "Prefers email.", "noted_on": "2026-11-02"}, headers=headers()
    )
    assert remark.status_code == 201
    page = (await client.get(url, headers=headers())).json()
    assert [e["kind"] for e in page["entries"]] == ["remark", "log"]
    assert page["entries"][0]["noted_on"] == "2026-11-02"
    assert page["entries"][1]["author"] == "agent-3"
    only_remarks = (await client.get(url, params={"kind": "remark"}, headers=headers())).json()
    assert len(only_remarks["entries"]) == 1


async def test_a_log_entry_needs_a_reason_from_the_tenants_list_and_a_date_when_confirmation_is_awaited(
    client: httpx.AsyncClient,
) -> None:
    member = await create_member(client)
    url = f"/v1/members/{member['id']}/log"
    unknown = await client.post(url, json={"reason": "weather", "summary": "s"}, headers=headers())
    assert unknown.status_code == 422 and unknown.json()["field"] == "reason"
    missing = await client.post(url, json={"summary": "s"}, headers=headers())
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    undated = await client.post(
        url, json={"reason": "join_leave_move", "summary": "s", "outcome": "awaiting_confirmation"}, headers=headers()
    )
    assert undated.status_code == 422 and undated.json()["field"] == "outcome_date"
    bad_outcome = await client.post(
        url, json={"reason": "other", "summary": "s", "outcome": "maybe"}, headers=headers()
    )
    assert bad_outcome.status_code == 422 and bad_outcome.json()["field"] == "outcome"
    await client.put("/v1/tenant/settings", json={"country": "NO", "reasons": ["weather"]}, headers=headers())
    ok = await client.post(url, json={"reason": "weather", "summary": "s"}, headers=headers())
    assert ok.status_code == 201
    assert len((await client.get(url, headers=headers())).json()["entries"]) == 1


async def test_record_checks_flag_what_to_fix_and_fixing_the_data_clears_them(client: httpx.AsyncClient) -> None:
    member = await create_member(client, national_id="00100", email=None, returned_mail=True)
    contact = await open_contact(client, caller_number="+47 415 00 999")
    url = f"/v1/members/{member['id']}/checks"
    checks = (await client.get(url, params={"contact_id": contact["id"]}, headers=headers())).json()
    assert sorted(c["code"] for c in checks["checks"]) == [
        "calling_number_differs",
        "email_missing",
        "placeholder_national_id",
        "returned_mail",
    ]
    assert checks["ok"] is False
    from frontdoor_members.testing import ASTRID_NID

    fix = await client.patch(
        f"/v1/members/{member['id']}",
        json={
            "email": "astrid@example.org",
            "national_id": ASTRID_NID,
            "address": {"line1": "Nyveien 2", "postal_code": "0150", "city": "Oslo"},
            "phones": [{"number": "48123456"}, {"number": "41500999"}],
        },
        headers=headers(),
    )
    assert fix.status_code == 200, fix.text
    after = (await client.get(url, headers=headers(**{"X-Contact-Id": contact["id"]}))).json()
    assert after == {"member_id": member["id"], "contact_id": contact["id"], "ok": True, "checks": []}


async def test_leaving_awaits_written_confirmation_and_is_noted_with_dates(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    mid = member["id"]
    change = await client.post(
        f"/v1/members/{mid}/membership-changes", json={"kind": "leave", "note": "Retiring"}, headers=headers()
    )
    assert change.status_code == 201, change.text
    assert change.json()["status"] == "awaiting_confirmation"
    still = (await client.get(f"/v1/members/{mid}", headers=headers())).json()
    assert still["status"] == "active"
    log = (await client.get(f"/v1/members/{mid}/log", headers=headers())).json()["entries"]
    assert log[0]["outcome"] == "awaiting_confirmation" and log[0]["outcome_date"] == change.json()["requested_on"]
    twice = await client.post(f"/v1/members/{mid}/membership-changes", json={"kind": "leave"}, headers=headers())
    assert twice.status_code == 409
    confirmed = await client.post(
        f"/v1/membership-changes/{change.json()['id']}/confirm",
        json={"channel": "letter", "effective_on": "2026-12-31"},
        headers=headers(),
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["confirmation_channel"] == "letter"
    gone = (await client.get(f"/v1/members/{mid}", headers=headers())).json()
    assert gone["status"] == "left" and gone["left_on"] == "2026-12-31"
    again = await client.post(f"/v1/membership-changes/{change.json()['id']}/confirm", json={}, headers=headers())
    assert again.status_code == 409


async def test_joining_picks_the_department_by_workplace_and_moving_needs_a_department(
    client: httpx.AsyncClient,
) -> None:
    oslo = (
        await client.post(
            "/v1/departments", json={"code": "1", "name": "Oslo", "workplaces": ["Nordli Bygg AS"]}, headers=headers()
        )
    ).json()
    bergen = (await client.post("/v1/departments", json={"code": "2", "name": "Bergen"}, headers=headers())).json()
    member = await create_member(client, joining=True)
    assert member["status"] == "applicant" and member["department_id"] == oslo["id"]
    changes = (await client.get(f"/v1/members/{member['id']}/membership-changes", headers=headers())).json()
    assert [(c["kind"], c["status"]) for c in changes] == [("join", "awaiting_confirmation")]
    await client.post(f"/v1/membership-changes/{changes[0]['id']}/confirm", json={}, headers=headers())
    assert (await client.get(f"/v1/members/{member['id']}", headers=headers())).json()["status"] == "active"

    no_target = await client.post(
        f"/v1/members/{member['id']}/membership-changes", json={"kind": "move_department"}, headers=headers()
    )
    assert no_target.status_code == 422 and no_target.json()["field"] == "to_department_id"
    move = await client.post(
        f"/v1/members/{member['id']}/membership-changes",
        json={"kind": "move_department", "to_department_id": bergen["id"]},
        headers=headers(),
    )
    await client.post(f"/v1/membership-changes/{move.json()['id']}/confirm", json={}, headers=headers())
    assert (await client.get(f"/v1/members/{member['id']}", headers=headers())).json()["department_id"] == bergen["id"]


async def test_reason_trends_count_per_iso_week_and_department_and_show_the_fastest_rising(
    client: httpx.AsyncClient,
) -> None:
    dept = (await client.post("/v1/departments", json={"code": "1", "name": "Oslo"}, headers=headers())).json()
    member = await create_member(client, department_id=dept["id"])
    from frontdoor_common.models import utcnow

    today = utcnow().date()
    for reason in ["dues_invoice", "trouble", "trouble", "trouble"]:
        r = await client.post(
            f"/v1/members/{member['id']}/log", json={"reason": reason, "summary": "s"}, headers=headers()
        )
        assert r.status_code == 201
    trends = await client.get("/v1/trends/reasons", params={"weeks": 4, "until": today.isoformat()}, headers=headers())
    assert trends.status_code == 200, trends.text
    body = trends.json()
    year, week, _ = today.isocalendar()
    this_week = f"{year}-W{week:02d}"
    assert body["weeks"][-1] == this_week and len(body["weeks"]) == 4
    assert {(r["reason"], r["count"], r["department_id"]) for r in body["rows"]} == {
        ("dues_invoice", 1, dept["id"]),
        ("trouble", 3, dept["id"]),
    }
    assert body["totals"]["trouble"][this_week] == 3
    assert [r["reason"] for r in body["rising"]] == ["trouble", "dues_invoice"]
    bad = await client.get("/v1/trends/reasons", params={"weeks": 0}, headers=headers())
    assert bad.status_code == 422 and bad.json()["field"] == "weeks"


async def test_a_tenant_sets_its_country_and_reasons_and_bad_lists_are_refused(client: httpx.AsyncClient) -> None:
    default = (await client.get("/v1/tenant/settings", headers=headers())).json()
    assert default["configured"] is False and default["country"] == "NO" and "dues_invoice" in default["reasons"]
    dup = await client.put("/v1/tenant/settings", json={"country": "NO", "reasons": ["a", "a"]}, headers=headers())
    assert dup.status_code == 422 and dup.json()["field"] == "reasons"
    country = await client.put("/v1/tenant/settings", json={"country": "SE"}, headers=headers())
    assert country.status_code == 422 and country.json()["field"] == "country"
    ok = await client.put("/v1/tenant/settings", json={"country": "NL", "reasons": ["ww_benefit"]}, headers=headers())
    assert ok.json() | {"tenant_id": None} == {
        "tenant_id": None,
        "country": "NL",
        "phone_region": "NL",
        "reasons": ["ww_benefit"],
        "configured": True,
    }
