"""Opening hours while the agents service is away: a guess, marked, from the last known hours, corrected later."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import QUEUE, TENANT, FakeOwners, add_queue, dispatcher
from frontdoor_common.bus.broker import free_port
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import QueueOpeningChanged
from frontdoor_common.testing import eventually, running_app, serve_app
from frontdoor_common.testing.bus import publish as publish_event

# Monday 23 November 2026, 20:00 in Oslo: closed by the default hours (weekdays 08:00-15:30).
MONDAY_2000_OSLO = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
TUESDAY_0800_OSLO = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def z(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


@pytest.fixture
def owners() -> FakeOwners:
    """The agents service: this tenant's queue is open around the clock."""
    fake = FakeOwners()
    fake.open_around_the_clock.add((TENANT, QUEUE))
    return fake


@pytest.fixture
def agents_port() -> int:
    return free_port()


@pytest.fixture
def outage_settings(make_settings: Any, agents_port: int) -> Settings:
    s: Settings = make_settings(
        Settings,
        dispatcher_interval_s=0,
        run_consumers=False,
        agents_url=f"http://127.0.0.1:{agents_port}",
        opening_cache_s=0,  # every ask reaches the server: the test decides whether it is up
        opening_failure_cache_s=0,
    )
    return s


def request(number: str) -> dict[str, Any]:
    return {"source": "web", "number": number, "queue_id": str(QUEUE)}


async def test_a_callback_scheduled_on_guessed_hours_is_dispatched_as_soon_as_the_agents_service_answers_again(
    outage_settings: Settings, clock: ManualClock, headers: dict[str, str], owners: FakeOwners, agents_port: int
) -> None:
    clock.set(MONDAY_2000_OSLO)
    app: FastAPI = create_app(outage_settings, clock=clock)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        # The agents service is down and nothing was ever known: the default hours are the guess.
        r = await client.post("/v1/callbacks", json=request("+4791234567"), headers=headers)
        assert r.status_code == 201, r.text
        cb = r.json()
        assert cb["hours_guessed"] is True
        assert cb["due_at"] == z(TUESDAY_0800_OSLO)
        assert (await dispatcher(app).tick()).dispatched == []
        async with serve_app(owners.app(), port=agents_port):
            # The next successful ask says: open now. The callback goes now, not tomorrow morning.
            assert (await dispatcher(app).tick()).dispatched == [cb["id"]]
        got = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert (got["status"], got["hours_guessed"], got["due_at"]) == ("dispatched", False, z(MONDAY_2000_OSLO))


async def test_the_last_known_hours_survive_a_restart_and_are_preferred_to_the_default_while_agents_is_down(
    outage_settings: Settings, clock: ManualClock, headers: dict[str, str], owners: FakeOwners, agents_port: int
) -> None:
    clock.set(MONDAY_2000_OSLO)
    app: FastAPI = create_app(outage_settings, clock=clock)
    async with serve_app(owners.app(), port=agents_port), running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        known = (await client.post("/v1/callbacks", json=request("+4791234567"), headers=headers)).json()
        assert (known["hours_guessed"], known["due_at"]) == (False, z(MONDAY_2000_OSLO))
        assert (await dispatcher(app).tick()).dispatched == [known["id"]]
    # The agents service is down now; callbacks restarts.
    clock.advance(days=1)  # Tuesday 20:00: the default hours say closed; last week's truth says open
    app = create_app(outage_settings, clock=clock)
    async with running_app(app) as client:
        r = await client.post("/v1/callbacks", json=request("+4791234568"), headers=headers)
        assert r.status_code == 201, r.text
        guessed = r.json()
        assert (guessed["hours_guessed"], guessed["due_at"]) == (True, z(clock.now()))
        assert guessed["id"] in (await dispatcher(app).tick()).dispatched


async def test_an_opening_changed_event_corrects_a_guess_even_before_the_failure_is_forgotten(
    consuming_settings: Callable[..., Settings],
    clock: ManualClock,
    headers: dict[str, str],
    owners: FakeOwners,
    agents_port: int,
    kafka_bootstrap: str,
) -> None:
    settings = consuming_settings(
        agents_url=f"http://127.0.0.1:{agents_port}",
        opening_failure_cache_s=3600,  # the failed ask would be trusted for an hour
    )
    clock.set(MONDAY_2000_OSLO)
    app: FastAPI = create_app(settings, clock=clock)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        cb = (await client.post("/v1/callbacks", json=request("+4791234567"), headers=headers)).json()
        assert (cb["hours_guessed"], cb["due_at"]) == (True, z(TUESDAY_0800_OSLO))
        async with serve_app(owners.app(), port=agents_port):
            assert (await dispatcher(app).tick()).dispatched == []  # the guess is still cached
            bus = KafkaBus(kafka_bootstrap, client_id="agents")
            await bus.start()
            try:
                changed = QueueOpeningChanged(tenant_id=TENANT, queue_id=QUEUE, open=True, at=clock.now())
                await publish_event(bus.producer, settings.topic(changed.topic), changed, tenant=TENANT)
            finally:
                await bus.stop()

            async def dispatched() -> bool:
                return cb["id"] in (await dispatcher(app).tick()).dispatched

            await eventually(dispatched, timeout=20)
