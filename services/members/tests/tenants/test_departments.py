"""Departments: read one, change one (the case workers' address forwards go to), within the tenant."""

from __future__ import annotations

import httpx
import pytest

from frontdoor_members.tenants.schemas import DepartmentUpdate
from frontdoor_members.testing import TENANT, create_member, headers

OTHER = "tenant-other"


async def _department(client: httpx.AsyncClient, code: str = "D1", tenant: str = TENANT) -> dict[str, object]:
    r = await client.post(
        "/v1/departments",
        json={"code": code, "name": f"Department {code}", "workplaces": ["Nordli Bygg AS"]},
        headers=headers(tenant),
    )
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


async def test_an_address_added_later_lets_a_forward_reach_the_department(client: httpx.AsyncClient) -> None:
    department = await _department(client)
    member = await create_member(client, department_id=department["id"])
    forward = {"reason": "other", "summary": "Dismissed on Friday."}
    refused = await client.post(f"/v1/members/{member['id']}/forwards", json=forward, headers=headers())
    assert refused.status_code == 422 and refused.json()["field"] == "department_id", refused.text

    r = await client.patch(
        f"/v1/departments/{department['id']}", json={"email": "case.worker@d1.example.org"}, headers=headers()
    )
    assert r.status_code == 200, r.text
    assert r.json()["email"] == "case.worker@d1.example.org"
    assert r.json()["name"] == "Department D1" and r.json()["workplaces"] == ["Nordli Bygg AS"]  # unchanged
    again = await client.get(f"/v1/departments/{department['id']}", headers=headers())
    assert again.json()["email"] == "case.worker@d1.example.org"
    sent = await client.post(f"/v1/members/{member['id']}/forwards", json=forward, headers=headers())
    assert sent.status_code == 201, sent.text


@pytest.mark.parametrize("field", sorted(DepartmentUpdate.model_fields))
async def test_null_clears_the_email_only_and_names_any_other_field(client: httpx.AsyncClient, field: str) -> None:
    department = await _department(client)
    url = f"/v1/departments/{department['id']}"
    await client.patch(url, json={"email": "a@d1.example.org"}, headers=headers())
    before = (await client.get(url, headers=headers())).json()
    r = await client.patch(url, json={field: None}, headers=headers())
    after = (await client.get(url, headers=headers())).json()
    if field == "email":
        assert r.status_code == 200, r.text
        assert after["email"] is None
    else:
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
        assert after == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "case.worker@d1.example.org\r\nBcc: someone@evil.example"}, "email"),
        ({"email": "not an address"}, "email"),
        ({"code": ""}, "code"),
        ({"workplaces": ["x" * 201]}, "workplaces"),
    ],
)
async def test_bad_values_are_refused_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    department = await _department(client)
    url = f"/v1/departments/{department['id']}"
    before = (await client.get(url, headers=headers())).json()
    r = await client.patch(url, json=body, headers=headers())
    assert r.status_code == 422, r.text
    assert r.json()["field"].split(".")[0] == field
    assert (await client.get(url, headers=headers())).json() == before


async def test_a_code_another_department_has_is_a_conflict(client: httpx.AsyncClient) -> None:
    await _department(client, "D1")
    second = await _department(client, "D2")
    r = await client.patch(f"/v1/departments/{second['id']}", json={"code": "D1"}, headers=headers())
    assert r.status_code == 409 and r.json()["field"] == "code", r.text
    same = await client.patch(f"/v1/departments/{second['id']}", json={"code": "D2", "name": "Two"}, headers=headers())
    assert same.status_code == 200 and same.json()["name"] == "Two", same.text


async def test_another_tenants_department_is_not_found(client: httpx.AsyncClient) -> None:
    department = await _department(client)
    url = f"/v1/departments/{department['id']}"
    assert (await client.get(url, headers=headers(OTHER))).status_code == 404
    r = await client.patch(url, json={"email": "b@other.example"}, headers=headers(OTHER))
    assert r.status_code == 404, r.text
    assert (await client.get(url, headers=headers())).json()["email"] is None
    # the same code in another tenant is that tenant's own business
    assert (await _department(client, "D1", tenant=OTHER))["code"] == "D1"


async def test_changing_a_department_needs_the_write_scope(client: httpx.AsyncClient) -> None:
    department = await _department(client)
    r = await client.patch(
        f"/v1/departments/{department['id']}", json={"name": "X"}, headers=headers(scopes="members:read")
    )
    assert r.status_code == 403, r.text
