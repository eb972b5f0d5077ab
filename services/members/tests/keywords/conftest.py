"""Fixtures for the keyword tests: the members app on the manual clock with its keyword worker
stopped, so each test runs the extraction itself (`extract(app)`) and decides when."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import context_of


@pytest.fixture
def keywords_app(make_settings: Callable[..., Any], clock: ManualClock) -> Callable[..., Any]:
    """`async with keywords_app(worker=False) as (client, app)`: the app on this test's database and the
    manual clock; with `worker=False` its keyword worker is stopped as soon as the app has started."""

    @asynccontextmanager
    async def run(
        *, worker: bool = False, broker: bool = False, **overrides: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        if not broker:
            overrides["kafka_bootstrap_servers"] = None
        settings: Settings = make_settings(Settings, **overrides)
        app = create_app(settings, clock=clock)
        async with running_app(app) as client:
            if not worker:
                await context_of(app).keyword_worker.stop()
            yield client, app

    return run


@pytest.fixture
async def client_app(keywords_app: Callable[..., Any]) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """A running app with its keyword worker stopped."""
    async with keywords_app() as pair:
        yield pair
