"""Fixtures for the notices' tests: the members app on the manual clock, the notices in the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.privacy.seal import is_sealed
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import context_of


async def notices(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    """The (type, data) of every members.notice.* event in the outbox, oldest first; a requested
    notice's `to` and `body` are checked sealed in the outbox, then opened with the service's key."""
    sealer = app.state.runtime.sealer
    found: list[tuple[str, dict[str, Any]]] = []
    async with context_of(app).db.transaction() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
        for t, p in rows:
            if not t.startswith("members.notice."):
                continue
            data = json.loads(p)["data"]
            if t == "members.notice.requested":
                assert is_sealed(data["to"]) and is_sealed(data["body"]), "a notice's number and text go out sealed"
                for name in ("to", "body"):
                    data[name] = await sealer.open_own(session, data["tenant_id"], data[name])
            found.append((t, data))
    return found


@pytest.fixture
def members_app(make_settings: Callable[..., Any], clock: ManualClock) -> Callable[..., Any]:
    """`async with members_app(broker=False) as (client, app)`: the members app on the manual clock."""

    @asynccontextmanager
    async def run(*, broker: bool = False) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        overrides: dict[str, Any] = {} if broker else {"kafka_bootstrap_servers": None}
        settings: Settings = make_settings(Settings, **overrides)
        app = create_app(settings, clock=clock)
        async with running_app(app) as client:
            yield client, app

    return run
