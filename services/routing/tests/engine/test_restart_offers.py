"""After a restart, routing offers waiting calls only once clients can reach its API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from frontdoor_common.testing import eventually, running_app
from frontdoor_routing.app import create_app
from frontdoor_routing.settings import Settings

from ..conftest import TENANT, context_of


async def test_an_offer_in_flight_at_a_crash_is_made_again_only_once_the_api_listens(
    settings: Settings, token_for: Callable[..., str], make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Invoices", ivr_digit="1"))["id"])
        await p.staff({q: 3})
        call = uuid.UUID((await p.call(cti_call_id="c-restart", ivr_digit="1")).json()["call"]["call_id"])
        await eventually(lambda: p.tenant().router.offer_of(call) is not None)

    # The next process: its lifespan is done, but (as under `serve`) the server has not said it listens.
    app = create_app(settings)
    app.state.server_signals_serving = True
    async with running_app(app):
        runtime = app.state.runtime
        engine = context_of(app).engine
        await asyncio.sleep(1.0)
        assert TENANT not in engine.tenants, "the tenant was loaded (and its calls offered) before the API listened"
        runtime.serving.set()
        await eventually(lambda: TENANT in engine.tenants and engine.tenants[TENANT].router.offer_of(call) is not None)
