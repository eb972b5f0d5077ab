"""PATCH: absent = unchanged, null clears only where that means something (and the OpenAPI says
so), else 422 naming the field; leaving, joining and moving only through membership changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_members.members.schemas import InvoiceUpdate, MemberUpdate
from frontdoor_members.testing import create_member, headers

# what clearing means: no email, no employer, no workplace, no shop steward, no address on file
MEMBER_NULLABLE = {"email", "employer", "workplace", "shop_steward_name", "address"}
INVOICE_NULLABLE = {"paid_on"}


def _nullable_in_openapi(openapi: dict[str, Any], schema: str) -> set[str]:
    properties = openapi["components"]["schemas"][schema]["properties"]
    return {
        name
        for name, prop in properties.items()
        if any(option.get("type") == "null" for option in prop.get("anyOf", []))
    }


async def test_the_openapi_says_which_patch_fields_are_nullable(client: httpx.AsyncClient) -> None:
    openapi = (await client.get("/openapi.json")).json()
    assert _nullable_in_openapi(openapi, "MemberUpdate") == MEMBER_NULLABLE
    assert _nullable_in_openapi(openapi, "InvoiceUpdate") == INVOICE_NULLABLE


@pytest.mark.parametrize("field", sorted(MemberUpdate.model_fields))
async def test_null_for_each_member_field_clears_it_or_is_a_problem_naming_it(
    app: FastAPI, client: httpx.AsyncClient, field: str
) -> None:
    member = await create_member(client, shop_steward_name="Leif Aasmundstad", insurances=["group_life"])
    url = f"/v1/members/{member['id']}"
    r = await client.patch(url, json={field: None}, headers=headers())
    after = (await client.get(url, headers=headers())).json()
    if field in MEMBER_NULLABLE:
        assert r.status_code == 200, r.text
        if field == "address":
            assert after["address_on_file"] is False
        else:
            assert after[field] is None
    else:
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field
        assert r.headers["content-type"] == "application/problem+json"
        unchanged = {k: v for k, v in after.items() if k != "updated_at"}
        assert unchanged == {k: v for k, v in member.items() if k != "updated_at"}


async def test_a_field_left_out_is_unchanged(client: httpx.AsyncClient) -> None:
    member = await create_member(client, insurances=["group_life"])
    url = f"/v1/members/{member['id']}"
    r = await client.patch(url, json={}, headers=headers())
    assert r.status_code == 200 and r.json() == member
    r = await client.patch(url, json={"employer": "Fjordbetong AS"}, headers=headers())
    assert r.json()["employer"] == "Fjordbetong AS" and r.json()["insurances"] == ["group_life"]
    assert r.json()["email"] == member["email"] and r.json()["address_on_file"] is True
    cleared = await client.patch(url, json={"insurances": []}, headers=headers())
    assert cleared.json()["insurances"] == []


@pytest.mark.parametrize("field", sorted(InvoiceUpdate.model_fields))
async def test_null_for_each_invoice_field_clears_it_or_is_a_problem_naming_it(
    client: httpx.AsyncClient, field: str
) -> None:
    member = await create_member(client)
    invoice = await client.post(
        f"/v1/members/{member['id']}/invoices",
        json={"amount": "545.00", "due_date": "2026-12-01", "paid": True, "paid_on": "2026-11-20"},
        headers=headers(),
    )
    url = f"/v1/invoices/{invoice.json()['id']}"
    r = await client.patch(url, json={field: None}, headers=headers())
    if field in INVOICE_NULLABLE:
        assert r.status_code == 200, r.text
        assert r.json()[field] is None and r.json()["paid"] is True
    else:
        assert r.status_code == 422 and r.json()["field"] == field


async def test_marking_an_invoice_unpaid_clears_its_date_and_a_date_needs_paid(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    invoice = await client.post(
        f"/v1/members/{member['id']}/invoices", json={"amount": "545.00", "due_date": "2026-12-01"}, headers=headers()
    )
    url = f"/v1/invoices/{invoice.json()['id']}"
    assert (await client.patch(url, json={}, headers=headers())).json()["paid"] is False
    bad = await client.patch(url, json={"paid_on": "2026-11-20"}, headers=headers())
    assert bad.status_code == 422 and bad.json()["field"] == "paid_on"
    paid = await client.patch(url, json={"paid": True, "paid_on": "2026-11-20"}, headers=headers())
    assert paid.json()["paid_on"] == "2026-11-20"
    unpaid = await client.patch(url, json={"paid": False}, headers=headers())
    assert unpaid.json() | {"paid": None} == paid.json() | {"paid": None, "paid_on": None}


@pytest.mark.parametrize("status", ["left", "transferred", "applicant"])
async def test_leaving_or_joining_by_patch_is_refused_and_points_to_membership_changes(
    client: httpx.AsyncClient, status: str
) -> None:
    member = await create_member(client)
    url = f"/v1/members/{member['id']}"
    r = await client.patch(url, json={"status": status}, headers=headers())
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "status" and r.json()["error_id"] == "use_membership_changes"
    assert "membership-changes" in r.json()["detail"]
    assert (await client.get(url, headers=headers())).json()["status"] == "active"


async def test_moving_department_by_patch_is_refused_but_other_status_changes_still_work(
    client: httpx.AsyncClient,
) -> None:
    oslo = (await client.post("/v1/departments", json={"code": "1", "name": "Oslo"}, headers=headers())).json()
    bergen = (await client.post("/v1/departments", json={"code": "2", "name": "Bergen"}, headers=headers())).json()
    member = await create_member(client, department_id=oslo["id"])
    url = f"/v1/members/{member['id']}"
    moved = await client.patch(url, json={"department_id": bergen["id"]}, headers=headers())
    assert moved.status_code == 422 and moved.json()["field"] == "department_id"
    assert moved.json()["error_id"] == "use_membership_changes"
    same = await client.patch(url, json={"department_id": oslo["id"]}, headers=headers())
    assert same.status_code == 200  # naming the current department changes nothing
    assert (await client.get(url, headers=headers())).json()["department_id"] == oslo["id"]
    for status in ["unemployed", "retired", "active"]:
        r = await client.patch(url, json={"status": status}, headers=headers())
        assert r.status_code == 200 and r.json()["status"] == status


async def test_a_member_who_left_is_not_brought_back_by_patch(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    change = await client.post(
        f"/v1/members/{member['id']}/membership-changes", json={"kind": "leave"}, headers=headers()
    )
    await client.post(f"/v1/membership-changes/{change.json()['id']}/confirm", json={}, headers=headers())
    r = await client.patch(f"/v1/members/{member['id']}", json={"status": "active"}, headers=headers())
    assert r.status_code == 422 and r.json()["field"] == "status"
