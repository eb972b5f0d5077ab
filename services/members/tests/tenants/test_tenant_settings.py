"""A tenant's country rules and reasons: defaults, and bad lists refused."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import headers


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
        "placeholder_national_ids": ["00100"],
        "configured": True,
    }
