"""The media playbook (issue 15): consult the person asked for before transferring; without a
name, the fallback contact (the tenant's press contact) with its number as E.164."""

from __future__ import annotations

import httpx

from frontdoor_members.testing import AGENT, OTHER_TENANT, TENANT, headers

MEDIA = {
    "steps": ["Ask who they want to reach"],
    "consult_first": True,
    "fallback_contact": {"name": "  Press desk, Siri Hauge ", "number": "22 99 88 77"},
}


async def _reasons(client: httpx.AsyncClient, tenant: str) -> None:
    body = {"country": "NO", "reasons": ["media", "other"]}
    r = await client.put("/v1/tenant/settings", json=body, headers=headers(tenant))
    assert r.status_code == 200, r.text


async def test_a_media_playbook_keeps_consult_first_and_the_press_contact(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT)
    put = await client.put("/v1/playbooks/media", json=MEDIA, headers=headers())
    assert put.status_code == 200, put.text
    got = (await client.get("/v1/playbooks/media", headers=headers(scopes=AGENT))).json()
    assert got["consult_first"] is True
    assert got["fallback_contact"] == {"name": "Press desk, Siri Hauge", "number": "+4722998877"}
    # the whole playbook is replaced: left out, both are cleared
    again = (await client.put("/v1/playbooks/media", json={"steps": []}, headers=headers())).json()
    assert again["consult_first"] is False and again["fallback_contact"] is None
    # another tenant's media playbook is not this one
    await _reasons(client, OTHER_TENANT)
    assert (await client.get("/v1/playbooks/media", headers=headers(OTHER_TENANT))).status_code == 404


async def test_a_bad_fallback_contact_is_refused_naming_its_field(client: httpx.AsyncClient) -> None:
    await _reasons(client, TENANT)
    url = "/v1/playbooks/media"
    number = await client.put(url, json={"fallback_contact": {"name": "Press", "number": "12"}}, headers=headers())
    assert number.status_code == 422 and number.json()["field"] == "fallback_contact.number"
    blank = await client.put(url, json={"fallback_contact": {"name": "Press", "number": " "}}, headers=headers())
    assert blank.status_code == 422 and blank.json()["field"] == "fallback_contact.number"
    name = await client.put(
        url, json={"fallback_contact": {"name": "Press\nX", "number": "22998877"}}, headers=headers()
    )
    assert name.status_code == 422 and name.json()["field"].startswith("fallback_contact")
    nameless = await client.put(url, json={"fallback_contact": {"number": "22998877"}}, headers=headers())
    assert nameless.status_code == 422
    assert (await client.get(url, headers=headers())).status_code == 404  # nothing was written
