"""Bounded pagination: limit 1..500 and offset 0..10**9, anything else a 422 naming the field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.pagination import Page, PageDep, pagination
from frontdoor_common.service import ServiceSpec, SessionDep, build_app
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import running_app


def _router() -> APIRouter:
    router = APIRouter()

    @router.get("/v1/events")
    async def events(session: SessionDep, page: PageDep) -> dict[str, Any]:
        rows = await session.scalars(page.apply(select(outbox.c.key).order_by(outbox.c.id)))
        return {"keys": list(rows), "limit": page.limit, "offset": page.offset}

    @router.get("/v1/small")
    async def small(page: Annotated[Page, pagination(default=5, maximum=10)]) -> dict[str, int]:
        return {"limit": page.limit, "offset": page.offset}

    return router


@pytest.fixture
def app(make_settings: Callable[..., ServiceSettings]) -> FastAPI:
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[_router()], migrations="frontdoor_routing:migrations"
    )
    return build_app(make_settings(ServiceSettings, service_name="routing", run_consumers=False), spec)


async def test_pages_are_bounded_and_out_of_bounds_values_name_their_field(app: FastAPI) -> None:
    async with running_app(app) as client:
        runtime = app.state.runtime
        async with runtime.db.transaction() as s:
            for i in range(7):
                await runtime.outbox.add_raw(
                    s, event_id=str(uuid.uuid4()), topic="t", key=f"k{i}", type_="x", tenant="t1", payload="{}"
                )
        first = (await client.get("/v1/events")).json()
        assert first["limit"] == 50 and first["offset"] == 0 and len(first["keys"]) == 7
        assert (await client.get("/v1/events?limit=2&offset=3")).json()["keys"] == ["k3", "k4"]
        assert (await client.get("/v1/events?limit=500&offset=1000000000")).json()["keys"] == []
        for query, field in [
            ("limit=0", "limit"),
            ("limit=501", "limit"),
            ("offset=-1", "offset"),
            ("offset=1000000001", "offset"),
            ("offset=99999999999999999999999", "offset"),
            ("limit=ten", "limit"),
        ]:
            r = await client.get(f"/v1/events?{query}")
            assert r.status_code == 422, (query, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["field"] == field
        assert (await client.get("/v1/small")).json() == {"limit": 5, "offset": 0}
        assert (await client.get("/v1/small?limit=11")).status_code == 422
        params = {p["name"]: p["schema"] for p in app.openapi()["paths"]["/v1/events"]["get"]["parameters"]}
        assert params["limit"]["maximum"] == 500 and params["limit"]["minimum"] == 1
        assert params["offset"]["maximum"] == 10**9


def test_a_default_outside_the_bounds_is_refused() -> None:
    with pytest.raises(ValueError):
        pagination(default=0)
