"""Fixtures for the agents service's tests: an app on the real database and broker, with a clock the test drives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_agents.app import create_app
from frontdoor_agents.settings import Settings
from frontdoor_agents.testing import TopicWatcher, oslo
from frontdoor_common.bus import topics
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import auth, running_app

TENANT = "7e000000-0000-4000-8000-000000000001"
OTHER_TENANT = "7e000000-0000-4000-8000-000000000002"


@pytest.fixture
def clock() -> ManualClock:
    """Monday 4 January 2027, 09:00 in Oslo; moves only when the test says so."""
    return ManualClock(oslo(2027, 1, 4, 9, 0))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Extra settings for one test (override with `@pytest.mark.parametrize("settings_overrides", [{...}])`)."""
    return {}


@pytest.fixture
def settings(make_settings: Callable[..., Any], settings_overrides: dict[str, Any]) -> Settings:
    """Settings on this test's database, broker and topic prefix; no consumers or feed refresher unless asked."""
    values: dict[str, Any] = {
        "run_consumers": False,
        "run_feed_refresher": False,
        "scheduler_max_sleep_s": 3600,
        "scheduler_horizon_days": 8,
    }
    s: Settings = make_settings(Settings, **(values | settings_overrides))
    return s


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> FastAPI:
    """The agents app with the test's clock."""
    return create_app(settings, clock=clock)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running app, authenticated for TENANT with every scope."""
    from frontdoor_common.auth import mint_token

    async with running_app(app) as c:
        c.headers.update(auth(mint_token(tenant_id=TENANT, scopes="all")))
        yield c


@pytest.fixture
async def watcher(settings: Settings, kafka_bootstrap: str, client: httpx.AsyncClient) -> AsyncIterator[TopicWatcher]:
    """Reads the agents topic from the beginning while the test runs."""
    async with TopicWatcher(kafka_bootstrap, settings.topic(topics.AGENTS)) as w:
        yield w
