"""Playbooks per reason: set whole, read, removed; bad input refused naming the field; one
tenant never sees another's; a code outside the tenant's reasons has none."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import AGENT, OTHER_TENANT, TENANT, headers

INSURANCE = {
    "steps": ["Note the claim number", "Transfer to the insurance company"],
    "transfer_number": "22 33 44 55",
    "ask_first": None,
}


async def _reasons(client: httpx.AsyncClient, tenant: str, reasons: list[str]) -> None:
    r = await client.put("/v1/tenant/settings", json={"country": "NO", "reasons": reasons}, headers=headers(tenant))
    assert r.status_code == 200, r.text


async def test_an_administrator_sets_reads_replaces_and_removes_a_playbook(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT, ["insurance_claim", "trouble", "dues_invoice"])
    assert (await client.get("/v1/playbooks", headers=headers())).json() == []
    put = await client.put("/v1/playbooks/insurance_claim", json=INSURANCE, headers=headers())
    assert put.status_code == 200, put.text
    view = put.json()
    assert view["code"] == "insurance_claim" and view["transfer_number"] == "+4722334455"
    assert view["steps"] == INSURANCE["steps"] and view["ask_first"] is None
    trouble = {"steps": ["  Listen  "], "ask_first": "Have you talked to your shop steward?"}
    assert (await client.put("/v1/playbooks/trouble", json=trouble, headers=headers())).status_code == 200
    # an agent reads them with the scope the desk already has
    agent = headers(scopes=AGENT)
    listed = (await client.get("/v1/playbooks", headers=agent)).json()
    assert [p["code"] for p in listed] == ["insurance_claim", "trouble"]
    got = (await client.get("/v1/playbooks/trouble", headers=agent)).json()
    assert got["steps"] == ["Listen"] and got["transfer_number"] is None
    assert got["ask_first"] == "Have you talked to your shop steward?"
    # the whole playbook is replaced: what the PUT leaves out is gone
    again = await client.put("/v1/playbooks/insurance_claim", json={"steps": ["Only this"]}, headers=headers())
    assert again.json()["steps"] == ["Only this"] and again.json()["transfer_number"] is None
    assert (await client.delete("/v1/playbooks/insurance_claim", headers=headers())).status_code == 204
    assert (await client.get("/v1/playbooks/insurance_claim", headers=headers())).status_code == 404
    assert (await client.delete("/v1/playbooks/insurance_claim", headers=headers())).status_code == 404
    assert [p["code"] for p in (await client.get("/v1/playbooks", headers=headers())).json()] == ["trouble"]


async def test_bad_playbooks_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT, ["insurance_claim"])
    url = "/v1/playbooks/insurance_claim"
    number = await client.put(url, json={"steps": [], "transfer_number": "12"}, headers=headers())
    assert number.status_code == 422 and number.json()["field"] == "transfer_number"
    assert number.headers["content-type"].startswith("application/problem+json")
    letters = await client.put(url, json={"transfer_number": "call the insurer"}, headers=headers())
    assert letters.status_code == 422 and letters.json()["field"] == "transfer_number"
    many = await client.put(url, json={"steps": ["x"] * 21}, headers=headers())
    assert many.status_code == 422 and many.json()["field"].startswith("steps")
    long = await client.put(url, json={"steps": ["x" * 501]}, headers=headers())
    assert long.status_code == 422 and long.json()["field"].startswith("steps")
    empty = await client.put(url, json={"steps": ["  "]}, headers=headers())
    assert empty.status_code == 422 and empty.json()["field"].startswith("steps")
    question = await client.put(url, json={"ask_first": "?" * 501}, headers=headers())
    assert question.status_code == 422 and question.json()["field"] == "ask_first"
    assert (await client.get(url, headers=headers())).status_code == 404  # nothing refused was stored
    # at the limits, and a number read with the tenant's country (Denmark here)
    await client.put("/v1/tenant/settings", json={"country": "DK", "reasons": ["insurance_claim"]}, headers=headers())
    full = await client.put(url, json={"steps": ["x" * 500] * 20, "transfer_number": "32 12 34 56"}, headers=headers())
    assert full.status_code == 200, full.text
    assert full.json()["transfer_number"] == "+4532123456" and len(full.json()["steps"]) == 20


async def test_a_code_outside_the_tenants_reasons_has_no_playbook(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT, ["insurance_claim", "strike"])
    put = await client.put("/v1/playbooks/no_such_reason", json={"steps": ["a"]}, headers=headers())
    assert put.status_code == 422 and put.json()["field"] == "code"
    assert (await client.get("/v1/playbooks/no_such_reason", headers=headers())).status_code == 404
    assert (await client.delete("/v1/playbooks/no_such_reason", headers=headers())).status_code == 404
    # a reason dropped from the list takes its playbook out of sight
    assert (await client.put("/v1/playbooks/strike", json={"steps": ["a"]}, headers=headers())).status_code == 200
    await _reasons(client, TENANT, ["insurance_claim"])
    assert (await client.get("/v1/playbooks/strike", headers=headers())).status_code == 404
    assert (await client.get("/v1/playbooks", headers=headers())).json() == []


async def test_another_tenants_playbook_is_invisible(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT, ["insurance_claim"])
    await _reasons(client, OTHER_TENANT, ["insurance_claim"])
    assert (await client.put("/v1/playbooks/insurance_claim", json=INSURANCE, headers=headers())).status_code == 200
    other = headers(OTHER_TENANT)
    assert (await client.get("/v1/playbooks/insurance_claim", headers=other)).status_code == 404
    assert (await client.get("/v1/playbooks", headers=other)).json() == []
    assert (await client.delete("/v1/playbooks/insurance_claim", headers=other)).status_code == 404
    # its own playbook for the same code is its own
    mine = await client.put("/v1/playbooks/insurance_claim", json={"steps": ["Other"]}, headers=other)
    assert mine.status_code == 200
    assert (await client.get("/v1/playbooks/insurance_claim", headers=headers())).json()["steps"] == INSURANCE["steps"]


async def test_reading_needs_members_read_and_writing_members_configure(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT, ["insurance_claim"])
    url = "/v1/playbooks/insurance_claim"
    assert (await client.put(url, json=INSURANCE, headers=headers(scopes="members:read"))).status_code == 403
    assert (await client.delete(url, headers=headers(scopes="members:read"))).status_code == 403
    assert (await client.get("/v1/playbooks", headers=headers(scopes="routing:read"))).status_code == 403
    # an agent's token writes members and dossiers all day, but the playbooks are the administrator's
    assert (await client.put(url, json=INSURANCE, headers=headers(scopes="members:write"))).status_code == 403
    assert (await client.put(url, json=INSURANCE, headers=headers(scopes="members:configure"))).status_code == 200
    assert (await client.get(url, headers=headers(scopes="members:read"))).status_code == 200


async def test_the_openapi_document_declares_the_problems(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    put = paths["/v1/playbooks/{code}"]["put"]["responses"]
    assert "application/problem+json" in put["422"]["content"]
    assert "application/problem+json" in paths["/v1/playbooks/{code}"]["get"]["responses"]["404"]["content"]
