"""Fixtures for the privacy tests: the members app on the manual clock, running, with the common
privacy tables (seal keys, retention windows) empty at the start of each test."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_common.clock import ManualClock
from frontdoor_common.privacy.tables import retention_policies, seal_keys
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> FastAPI:
    """The members app on the test's manual clock."""
    return create_app(settings, clock=clock)


@pytest.fixture(autouse=True)
async def _app_running(client: httpx.AsyncClient, app: FastAPI) -> None:
    """Every test here runs with the app's lifespan up; the PostgreSQL session database keeps the
    common privacy tables between tests (the suite empties the service's own), so empty them."""
    async with app.state.runtime.db.transaction() as s:
        await s.execute(seal_keys.delete())
        await s.execute(retention_policies.delete())
