"""Asked to leave or move, the member gets the department's name and address by SMS (where the
written confirmation goes); a department without an address sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontdoor_members.testing import create_member, headers

from .conftest import notices


async def _department(client: Any, code: str, name: str, **extra: Any) -> dict[str, Any]:
    r = await client.post(
        "/v1/departments",
        json={"code": code, "name": name, "workplaces": [f"Arbeidsplass {code}"], **extra},
        headers=headers(),
    )
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_leaving_or_moving_sends_the_departments_address(members_app: Callable[..., Any]) -> None:
    async with members_app() as (client, app):
        oslo = await _department(client, "1", "Avdeling Oslo", email="oslo@forbundet.example.org")
        bergen = await _department(client, "2", "Avdeling Bergen")  # no address
        leaving = await create_member(client, workplace="Arbeidsplass 1")
        moving = await create_member(
            client,
            member_number="2000021",
            national_id=None,
            workplace="Arbeidsplass 2",
            phones=[{"number": "926 11 222"}],
        )
        assert (leaving["department_id"], moving["department_id"]) == (oslo["id"], bergen["id"])
        r = await client.post(
            f"/v1/members/{leaving['id']}/membership-changes", json={"kind": "leave"}, headers=headers()
        )
        assert r.status_code == 201, r.text
        [(_, data)] = await notices(app)
        assert (data["kind"], data["to"], data["member_id"]) == ("department_address", "+4748123456", leaving["id"])
        assert data["body"] == ("Send den skriftlige bekreftelsen din til Avdeling Oslo, oslo@forbundet.example.org.")
        # Bergen has no address: moving from it tells nothing (the change is noted all the same)
        r = await client.post(
            f"/v1/members/{moving['id']}/membership-changes",
            json={"kind": "move_department", "to_department_id": oslo["id"]},
            headers=headers(),
        )
        assert r.status_code == 201, r.text
        assert len(await notices(app)) == 1
