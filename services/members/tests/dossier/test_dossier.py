"""The dossier: agents' log entries and dated remarks, checked against the tenant's reasons."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import create_member, headers


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
