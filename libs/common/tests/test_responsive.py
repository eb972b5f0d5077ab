"""The `stays_responsive` helper: it passes a service that keeps answering and fails one that stalls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from fastapi import APIRouter, FastAPI

from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import running_app, serve_app, stays_responsive

# The passing case uses a bound far above a probe's round trip (milliseconds) and any pause of a
# loaded machine, and a request that lasts longer than that bound, so a helper that timed the
# request instead of its probes would fail it. The failing case blocks the loop past its bound:
# load only makes that block longer, so it fails however busy the machine is.
PASS_BOUND_S = 3.0
SLOW_S = PASS_BOUND_S + 0.5


def _router() -> APIRouter:
    router = APIRouter()

    @router.post("/v1/slow-but-async")
    async def slow_but_async() -> dict[str, bool]:
        await asyncio.sleep(SLOW_S)
        return {"ok": True}

    @router.post("/v1/blocks-the-loop")
    async def blocks_the_loop() -> dict[str, bool]:
        time.sleep(1.5)  # the bug the helper is for: synchronous work on the event loop
        return {"ok": True}

    return router


@pytest.fixture
def app(make_settings: Callable[..., ServiceSettings]) -> FastAPI:
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[_router()], migrations="frontdoor_routing:migrations"
    )
    return build_app(make_settings(ServiceSettings, service_name="routing", run_consumers=False), spec)


async def test_a_service_that_keeps_answering_passes(app: FastAPI) -> None:
    async with running_app(app) as client, stays_responsive(client, bound=PASS_BOUND_S) as seen:
        assert (await client.post("/v1/slow-but-async")).status_code == 200
    assert len(seen.samples) >= 3 and seen.failures == []


async def test_a_service_whose_event_loop_is_blocked_fails(app: FastAPI) -> None:
    async with serve_app(app) as base:
        import httpx

        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            with pytest.raises(AssertionError, match="not responsive"):
                async with stays_responsive(base, bound=1.0):
                    await asyncio.sleep(0.1)  # a probe or two first
                    await client.post("/v1/blocks-the-loop")


async def test_the_fixture_is_the_helper(responsive: Callable[..., object]) -> None:
    assert responsive is stays_responsive
