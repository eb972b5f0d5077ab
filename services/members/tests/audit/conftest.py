"""Fixtures for the audit trail's retention tests: the members app on the manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> FastAPI:
    """The members app on the test's manual clock."""
    built: FastAPI = create_app(settings, clock=clock)
    return built


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client with the app's lifespan running."""
    async with running_app(app) as c:
        yield c
