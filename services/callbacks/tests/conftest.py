"""Fixtures for the callbacks service: settings on a fresh database and topics, a manual clock, the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.clock import ManualClock
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import MONDAY_0900_OSLO, TENANT
from frontdoor_common.auth import mint_token


@pytest.fixture
def clock() -> ManualClock:
    """Monday 09:00 in Oslo; moves only when a test moves it."""
    return ManualClock(MONDAY_0900_OSLO)


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Settings:
    """Settings on this test's database, broker and topics; the dispatcher ticks only when told."""
    s: Settings = make_settings(Settings, dispatcher_interval_s=0, run_consumers=False)
    return s


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> FastAPI:
    """The app on the manual clock and the static default opening hours."""
    return create_app(settings, clock=clock)


@pytest.fixture
def headers() -> dict[str, str]:
    """A token for the test tenant with every scope."""
    return {"Authorization": f"Bearer {mint_token(tenant_id=TENANT)}"}
