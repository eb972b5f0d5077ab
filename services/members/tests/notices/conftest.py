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
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import context_of


async def notices(app: FastAPI) -> list[tuple[str, dict[str, Any]]]:
    """The (type, data) of every members.notice.* event in the outbox, oldest first."""
    async with context_of(app).db.transaction() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
    return [(t, json.loads(p)["data"]) for t, p in rows if t.startswith("members.notice.")]


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
