"""Listing callbacks: paging bounds."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.testing import running_app


async def test_list_paging_beyond_any_real_list_is_refused_with_422_naming_the_field(
    app: FastAPI, headers: dict[str, str]
) -> None:
    async with running_app(app) as client:
        for params, field in (
            ({"offset": "9223372036854775808"}, "offset"),
            ({"offset": "9223372036854775807"}, "offset"),
            ({"offset": "-1"}, "offset"),
            ({"limit": "9223372036854775808"}, "limit"),
            ({"limit": "0"}, "limit"),
        ):
            r = await client.get("/v1/callbacks", params=params, headers=headers)
            assert r.status_code == 422, (params, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert field in r.text
        ok = await client.get("/v1/callbacks", params={"offset": "1000000", "limit": "500"}, headers=headers)
        assert ok.status_code == 200, ok.text
        assert ok.json()["items"] == []
