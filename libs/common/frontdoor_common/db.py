"""Async database access: one engine per service, one transaction per request or event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool


def async_url(url: str) -> str:
    """Map plain database URLs to their async drivers (postgresql -> asyncpg, sqlite -> aiosqlite)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False, read_only: bool = False) -> AsyncEngine:
    """Create an engine; SQLite gets WAL, a busy timeout and (unless read-only) serialised writes."""
    url = async_url(url)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, poolclass=NullPool if ":memory:" in url else None
        )
        _sqlite_pragmas(engine, immediate=not read_only)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(engine: AsyncEngine, *, immediate: bool = True) -> None:
    # SQLite upgrades a deferred read transaction to a write lazily and then fails with
    # SQLITE_BUSY instead of waiting; BEGIN IMMEDIATE takes the write lock up front so the
    # busy timeout applies and concurrent requests queue instead of erroring.
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engine and the session factory of one service."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.engine = make_engine(self.url, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)
        # Reads that must not queue behind writers: on SQLite (WAL) a plain BEGIN reads a
        # snapshot without taking the write lock; elsewhere it is the same engine.
        self.read_engine = (
            make_engine(self.url, echo=echo, read_only=True) if self.engine.dialect.name == "sqlite" else self.engine
        )
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The one place a unit of work commits: on clean exit; rolled back on error."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction that never waits for the write lock."""
        async with self.read_sessionmaker() as session, session.begin():
            yield session

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
