"""/readyz through a broker restart (not ready while it is down, degraded while the relay re-publishes),
and the launcher saying which check is failing."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from frontdoor_common.bus import topics
from frontdoor_common.bus.broker import LocalBroker
from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing import eventually, running_app, serve_app

ROWS = 4000


def _app(make_settings: Callable[..., ServiceSettings], bootstrap: str) -> FastAPI:
    spec = ServiceSpec(
        name="libtest", title="t", description="d", routers=[], migrations="frontdoor_routing:migrations"
    )
    settings = make_settings(
        ServiceSettings,
        service_name="routing",
        kafka_bootstrap_servers=bootstrap,
        run_consumers=False,
        outbox_batch_size=100,
    )
    return build_app(settings, spec)


@pytest.mark.slow
async def test_readiness_is_degraded_while_the_relay_republishes_after_a_broker_restart(
    make_settings: Callable[..., ServiceSettings],
) -> None:
    broker = LocalBroker().start()
    app = _app(make_settings, broker.bootstrap)
    try:
        async with running_app(app) as client:
            runtime = app.state.runtime
            async with runtime.db.transaction() as s:
                for i in range(ROWS):
                    await runtime.outbox.add_raw(
                        s,
                        event_id=str(uuid.uuid4()),
                        topic=topics.ROUTING,
                        key=f"k{i % 20}",
                        type_="test.raw",
                        tenant="t1",
                        payload=f'{{"n": {i}}}',
                    )
            runtime.relay.wake()
            await eventually(lambda: runtime.relay.published_total >= ROWS, timeout=60)
            first = await client.get("/readyz")
            assert first.status_code == 200, first.text
            assert first.json()["status"] == "ready"

            broker.restart()  # same port, new cluster id, nothing stored
            seen: list[tuple[int, str]] = []
            deadline = asyncio.get_running_loop().time() + 60
            while asyncio.get_running_loop().time() < deadline:
                r = await client.get("/readyz")
                body = r.json()
                seen.append((r.status_code, body["readiness"]))
                if r.status_code == 200 and body["readiness"] == "degraded":
                    assert body["status"] == "degraded"
                    assert body["checks"]["outbox_relay"] == "republishing"
                if seen[-1] == (200, "ready") and runtime.relay.published_total >= 2 * ROWS:
                    break
                await asyncio.sleep(0.01)
            assert (200, "degraded") in seen, sorted(set(seen))
            assert seen[-1] == (200, "ready"), sorted(set(seen))
            # degraded came only after the relay noticed the new broker, and ended with the re-publish
            degraded_at = seen.index((200, "degraded"))
            assert all(s != (200, "ready") for s in seen[degraded_at : seen.index((200, "ready"), degraded_at)])
            assert runtime.relay.republishing is False
            assert runtime.relay.published_total >= 2 * ROWS
    finally:
        broker.stop()


async def test_the_launcher_names_the_failing_check_when_a_service_is_not_ready(
    make_settings: Callable[..., ServiceSettings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdoor_common.launcher import Platform, readiness, ready_timeout

    monkeypatch.setenv("FRONTDOOR_READY_TIMEOUT_S", "1.5")
    assert ready_timeout() == 1.5
    broker = LocalBroker().start()
    app = _app(make_settings, broker.bootstrap)
    try:
        async with serve_app(app) as base:
            port = int(base.rsplit(":", 1)[1])
            assert await asyncio.to_thread(readiness, port) == (True, "")
            broker.stop()  # the service stays up, its broker does not
            ready, why = await asyncio.to_thread(readiness, port)
            assert not ready
            assert "broker" in why
            platform = Platform(tmp_path, ports={"libtest": port})
            # a live process stands in for the service's (the platform only checks it is alive)
            platform.processes["libtest"] = subprocess.Popen(["sleep", "30"])
            try:
                with pytest.raises(TimeoutError) as caught:
                    await asyncio.to_thread(platform.wait_ready)
            finally:
                platform.processes["libtest"].kill()
                platform.processes["libtest"].wait()
            message = str(caught.value)
            assert "not ready after 2s" in message
            assert "libtest: Not ready: broker" in message
    finally:
        broker.stop()


async def test_consumers_joining_leave_the_service_in_service_but_a_join_past_its_bound_does_not(
    make_settings: Callable[..., ServiceSettings], kafka_bootstrap: str
) -> None:
    from frontdoor_common.bus.consumer import EventRouter
    from frontdoor_common.service import ConsumerSpec

    spec = ServiceSpec(
        name="libtest",
        title="t",
        description="d",
        routers=[],
        migrations="frontdoor_routing:migrations",
        consumers=[ConsumerSpec("joiner", [topics.ROUTING], lambda rt: EventRouter())],
    )
    settings = make_settings(ServiceSettings, service_name="routing", kafka_bootstrap_servers=kafka_bootstrap)
    app = build_app(settings, spec)
    async with running_app(app) as client:
        consumer = app.state.runtime.consumers[0]
        # The API works while the consumer joins: degraded, not out of service.
        r = await client.get("/readyz")
        assert consumer.state == "starting"
        assert (r.status_code, r.json()["readiness"]) == (200, "degraded"), r.text
        assert r.json()["checks"]["consumers"]["joiner"]["catching_up"] is True
        # A join that takes longer than a join can take is a failure.
        consumer.stall_after_s = 0.0
        r = await client.get("/readyz")
        if consumer.state == "starting":  # (it may have joined meanwhile)
            assert r.status_code == 503, r.text
            assert "consumers.joiner (starting)" in r.json()["detail"]
        consumer.stall_after_s = 60.0

        async def ready() -> bool:
            return (await client.get("/readyz")).json().get("readiness") == "ready"

        await eventually(ready, timeout=30)
