"""Fixtures for the members service's tests: the app on this test's database, and a client.

On PostgreSQL the suite migrates one database per session and empties its tables before
each test (the anchors' "migrations once, each test isolated"), instead of creating and
dropping a database per test, which costs seconds each on a busy machine. SQLite keeps a
fresh file per test (that is cheap).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_common.clock import ManualClock
from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.testing import create_database, running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.tables import metadata


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members")
    finally:
        await db.dispose()


async def _empty(url: str) -> None:
    import asyncpg

    tables = ", ".join(f'"{t}"' for t in [*metadata.tables, "outbox", "inbox"])
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET lock_timeout = '10s'")
        await conn.execute(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def members_pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """One migrated PostgreSQL database for the session (None without TEST_POSTGRES_URL)."""
    if not os.environ.get("TEST_POSTGRES_URL"):
        yield None
        return
    url, drop = create_database("postgresql", tmp_path_factory.mktemp("pg"))
    asyncio.run(_migrate(url))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def db_url(db_engine: str, tmp_path: Path, members_pg_url: str | None) -> Iterator[str]:
    """This test's database: a fresh SQLite file, or the session's PostgreSQL database emptied."""
    if db_engine == "sqlite" or members_pg_url is None:
        url, drop = create_database("sqlite", tmp_path)
        try:
            yield url
        finally:
            drop()
        return
    asyncio.run(_empty(members_pg_url))
    yield members_pg_url


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Settings:
    """Settings on this test's database; no broker (events stay in the outbox, where tests read them)."""
    s: Settings = make_settings(Settings, kafka_bootstrap_servers=None, max_verification_attempts=3)
    return s


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves by hand, for an app built with `create_app(settings, clock=clock)`
    (Wednesday 25 November 2026, 12:00 UTC: no day or week boundary near, in any zone)."""
    return ManualClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The members app (on the system clock)."""
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client with the app's lifespan running."""
    async with running_app(app) as c:
        yield c
