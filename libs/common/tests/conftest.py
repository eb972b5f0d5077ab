"""Fixtures for the platform library's tests: a database with the bus tables and a ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.bus.tables import BUS_METADATA
from frontdoor_common.db import Database
from frontdoor_common.settings import ServiceSettings
from frontdoor_common.testing.ledger import LEDGER, total


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> ServiceSettings:
    """Settings for a test 'service' on this test's database, broker and topic prefix."""
    s: ServiceSettings = make_settings(ServiceSettings, service_name="libtest")
    return s


@pytest.fixture
async def db(settings: ServiceSettings) -> AsyncIterator[Database]:
    """The test database with the outbox, inbox and ledger tables."""
    database = Database(settings.effective_database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(BUS_METADATA.create_all)
        await conn.run_sync(LEDGER.create_all)
    async with database.transaction() as s:
        await s.execute(total.insert().values(name="all", value=0))
    yield database
    await database.dispose()


@pytest.fixture
async def bus(kafka_bootstrap: str) -> AsyncIterator[KafkaBus]:
    """A started producer."""
    b = KafkaBus(kafka_bootstrap, client_id="libtest")
    await b.start()
    yield b
    await b.stop()
