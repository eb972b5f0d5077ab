"""Joining, leaving and moving: each awaits written confirmation and is noted in the dossier."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import create_member, headers


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
