"""Fixtures for the callbacks service: settings on a fresh database and topics, a manual clock, the app.

`live_app` and `publish` are for the tests of what the service consumes: the app with its
consumer on the real broker, on `SwitchableHours`, and a producer standing in for the others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import MONDAY_0900_OSLO, TENANT, SwitchableHours
from frontdoor_common.auth import mint_token
from frontdoor_common.bus.events import Event
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing.bus import publish as publish_event


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


@pytest.fixture
def hours() -> SwitchableHours:
    """Opening hours the test switches (open around the clock until told otherwise)."""
    return SwitchableHours()


@pytest.fixture
def consuming_settings(make_settings: Callable[..., Any]) -> Callable[..., Settings]:
    """Settings (with `overrides`) for an app whose consumer runs; the dispatcher ticks only when told."""

    def make(**overrides: Any) -> Settings:
        # A short session: the local broker forms a new group after half of it.
        s: Settings = make_settings(
            Settings,
            **{
                "dispatcher_interval_s": 0,
                "run_consumers": True,
                "consumer_session_timeout_ms": 1000,
                "consumer_heartbeat_interval_ms": 250,
                **overrides,
            },
        )
        return s

    return make


@pytest.fixture
def live_app(consuming_settings: Callable[..., Settings], clock: ManualClock, hours: SwitchableHours) -> FastAPI:
    """The app with its consumer running, on the manual clock and `hours`."""
    return create_app(consuming_settings(), clock=clock, opening_hours=hours)


@pytest.fixture
async def publish(kafka_bootstrap: str, live_app: FastAPI) -> AsyncIterator[Callable[[Event, str], Any]]:
    """Publish an event as another service would (straight onto its topic)."""
    bus = KafkaBus(kafka_bootstrap, client_id="other-service")
    await bus.start()

    async def send(event: Event, tenant: str) -> None:
        await publish_event(bus.producer, live_app.state.runtime.settings.topic(event.topic), event, tenant=tenant)

    yield send
    await bus.stop()
