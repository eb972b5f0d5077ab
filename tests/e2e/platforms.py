"""What the scenario files share (importable as `e2e_platforms`, see conftest.py): the whole platform
as real processes, with chosen services on PostgreSQL when CI gives one, clients of every service's
API, and the small helpers the scenarios read with.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import holidays
import httpx
import pytest

from frontdoor_common.bus.broker import free_port
from frontdoor_common.launcher import Platform
from frontdoor_common.testing import create_database

SERVICES = ("routing", "members", "agents", "callbacks", "surveys")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@contextmanager
def running_platform(
    var: Path, *, extra_env: dict[str, str] | None = None, postgres_for: tuple[str, ...] = ()
) -> Iterator[SimpleNamespace]:
    """The broker and the five services as processes under `var` (each log printed if one fails to
    start). With TEST_POSTGRES_URL, the services in `postgres_for` get a database of their own there
    (the races a scenario tests really run at once); otherwise every service is on SQLite. Yields
    `var`, `ports`, `token` (the dev token) and `bootstrap`."""
    ports = {name: free_port() for name in SERVICES}
    saved = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    extra = {"FRONTDOOR_ENV": "test", **(extra_env or {})}
    drops = []
    if os.environ.get("TEST_POSTGRES_URL"):
        for name in postgres_for:
            url, drop = create_database("postgresql", var)
            extra[f"{name.upper()}_DATABASE_URL"] = url
            drops.append(drop)
    platform = Platform(var, broker_port=free_port(), ports=ports, extra_env=extra)
    try:
        try:
            platform.start()
        except Exception:
            for name in ports:
                log = var / f"{name}.log"
                if log.exists():
                    print(f"--- {name}.log ---\n{log.read_text()[-3000:]}")
            raise
        token = (var / "dev-token.txt").read_text().strip()
        yield SimpleNamespace(var=var, ports=ports, token=token, bootstrap=platform.bootstrap)
    finally:
        platform.stop()
        for drop in drops:
            drop()
        os.environ.update(saved)


@asynccontextmanager
async def api_clients(platform: SimpleNamespace, *, connections: int = 100) -> AsyncIterator[SimpleNamespace]:
    """An httpx client per service (`api.routing`, `api.members`, ...), with the dev token."""
    headers = {"Authorization": f"Bearer {platform.token}"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    clients = {
        name: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60, limits=limits)
        for name, port in platform.ports.items()
    }
    try:
        yield SimpleNamespace(**clients)
    finally:
        for client in clients.values():
            await client.aclose()


def ok(response: httpx.Response, *codes: int) -> Any:
    """The response's JSON, after checking its status (2xx by default)."""
    assert response.status_code in (codes or (200, 201, 204)), f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def z(at: datetime) -> str:
    """RFC 3339 in UTC with a Z."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def country_without_a_holiday_today() -> str:
    """A country the platform knows with no public holiday today or tomorrow (else the test skips)."""
    today = datetime.now(UTC).date()
    for country in ("NO", "DK", "NL", "SE", "FI"):
        days_off = holidays.country_holidays(country)
        if today not in days_off and today + timedelta(days=1) not in days_off:
            return country
    pytest.skip("today is a public holiday everywhere the test knows")


def open_around_the_clock(platform: SimpleNamespace, queues: tuple[str, ...]) -> None:
    """The tenant in UTC, open all day every day in a country with no holiday today, no wrap-up in
    `queues`; returns once they are open."""
    headers = {"Authorization": f"Bearer {platform.token}"}
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['agents']}", headers=headers) as agents,
        httpx.Client(base_url=f"http://127.0.0.1:{platform.ports['routing']}", headers=headers) as routing,
    ):
        body = {
            "timezone": "UTC",
            "country": country_without_a_holiday_today(),
            "opening_hours": [{"days": DAYS, "start": "00:00", "end": "23:59:59"}],
        }
        ok(agents.put("/v1/settings", json=body))
        for queue in queues:
            ok(routing.patch(f"/v1/queues/{queue}", json={"wrapup_seconds": 0}))
        deadline = time.monotonic() + 30
        while not all(ok(routing.get(f"/v1/queues/{q}"))["open"] for q in queues):
            assert time.monotonic() < deadline, "the queues did not open"
            time.sleep(0.1)
