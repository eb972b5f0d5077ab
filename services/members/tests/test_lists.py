"""Every list endpoint pages with a bounded offset and limit: out of range is a 422, never a 500."""

from __future__ import annotations

import httpx
import pytest

from frontdoor_members.testing import create_member, headers

LISTS = [
    "/v1/members/{id}/log",
    "/v1/members/{id}/audit",
    "/v1/members/{id}/invoices",
    "/v1/members/{id}/powers-of-attorney",
    "/v1/members/{id}/membership-changes",
    "/v1/departments",
]


@pytest.mark.parametrize("path", LISTS)
async def test_out_of_range_offsets_and_limits_are_a_problem_naming_the_parameter(
    client: httpx.AsyncClient, path: str
) -> None:
    member = await create_member(client)
    url = path.format(id=member["id"])
    for params, field in [
        ({"offset": "9223372036854775808"}, "offset"),
        ({"offset": "1000001"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "99999999999999999999999"}, "limit"),
    ]:
        r = await client.get(url, params=params, headers=headers())
        assert r.status_code == 422, (url, params, r.text)
        assert r.json()["field"] == field
    ok = await client.get(url, params={"offset": "1000000", "limit": "500"}, headers=headers())
    assert ok.status_code == 200, ok.text


async def test_a_list_pages_with_offset_and_limit(client: httpx.AsyncClient) -> None:
    member = await create_member(client)
    url = f"/v1/members/{member['id']}/invoices"
    for due in ["2026-10-01", "2026-11-01", "2026-12-01"]:
        r = await client.post(url, json={"amount": "545.00", "due_date": due}, headers=headers())
        assert r.status_code == 201
    page = (await client.get(url, params={"offset": 1, "limit": 1}, headers=headers())).json()
    assert [i["due_date"] for i in page] == ["2026-11-01"]
    assert len((await client.get(url, headers=headers())).json()) == 3


async def test_trends_refuse_a_date_at_the_edge_of_the_calendar(client: httpx.AsyncClient) -> None:
    for until in ["9999-12-31", "0001-01-01"]:
        r = await client.get("/v1/trends/reasons", params={"until": until, "weeks": 104}, headers=headers())
        assert r.status_code == 422 and r.json()["field"] == "until"
