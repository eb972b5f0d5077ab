"""Async database access: one engine per service, one transaction per request or event."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import MissingGreenlet, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.util import await_only

# How long a transaction waits for SQLite's write lock in all (then "database is locked").
SQLITE_LOCK_WAIT_S = 30.0
# How long one attempt may wait inside SQLite. Short on purpose: while SQLite waits in its busy
# handler, the connection's aiosqlite thread holds that connection's mutex, and anything else that
# touches the connection waits with it -- including CPython's sqlite3 cursor finaliser when the cyclic
# garbage collector runs on the event loop's thread. A long wait there stalls the event loop, so the
# transaction holding the write lock can never commit: the lock looked held for good (agents, seed 7).
# Between attempts the wait is an asyncio sleep, with the mutex free.
SQLITE_BUSY_ATTEMPT_MS = 50


def async_url(url: str) -> str:
    """Map plain database URLs to their async drivers (postgresql -> asyncpg, sqlite -> aiosqlite)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


def make_engine(url: str, *, echo: bool = False, read_only: bool = False) -> AsyncEngine:
    """Create an engine; SQLite gets WAL, a busy timeout and (unless read-only) serialised writes.

    SQL parameters stay out of error messages and echo (`hide_parameters`): they are phone
    numbers and national ids, and error messages end up in logs.
    """
    url = async_url(url)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"timeout": 30},
            poolclass=NullPool if ":memory:" in url else None,
        )
        _sqlite_pragmas(engine, immediate=not read_only)
        return engine
    return create_async_engine(url, echo=echo, hide_parameters=True, pool_size=10, max_overflow=20, pool_pre_ping=True)


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
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_ATTEMPT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_S
        pause = 0.005
        while True:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not is_sqlite_busy(exc) or time.monotonic() + pause >= deadline:
                    raise
                release_driver_frames(exc)
            _pause(pause)
            pause = min(pause * 2, 0.05)


def _pause(seconds: float) -> None:
    # The begin event runs inside SQLAlchemy's greenlet for the async engine: the event loop goes on.
    sleep = asyncio.sleep(seconds)
    try:
        await_only(sleep)
    except MissingGreenlet:  # a plain synchronous caller
        sleep.close()
        time.sleep(seconds)


# The adapter's and aiosqlite's frames, and SQLAlchemy's greenlet bridge (its last awaited value is the cursor).
_DRIVER_FRAMES = ("aiosqlite", "sqlalchemy/util/_concurrency")


def release_driver_frames(exc: BaseException | None) -> None:
    """Free, now, the aiosqlite cursor that a database error's traceback keeps alive.

    SQLAlchemy's aiosqlite adapter raises from inside its `except ... as error` block, so its frame
    (holding the cursor, possibly mid-statement) and the error reference each other: only the cyclic
    garbage collector frees them, later, on whatever thread it runs -- usually the event loop's, and
    possibly while that pooled connection is busy for another transaction (see SQLITE_BUSY_ATTEMPT_MS).
    Clearing those (finished) driver frames frees the cursor at once, while its connection is idle.
    Only the driver's frames are cleared; the application's frames keep their locals.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            if any(part in tb.tb_frame.f_code.co_filename for part in _DRIVER_FRAMES):
                with contextlib.suppress(RuntimeError):  # a frame still running is left alone
                    tb.tb_frame.clear()
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__


def is_sqlite_busy(exc: BaseException) -> bool:
    """Whether this is SQLite's "database is locked" / "database is busy" (worth retrying later)."""
    orig = getattr(exc, "orig", exc)
    name = getattr(orig, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or any(
        m in str(orig) for m in ("database is locked", "database is busy", "database table is locked")
    )


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
        try:
            async with self.sessionmaker() as session, session.begin():
                yield session
        except BaseException as exc:
            release_driver_frames(exc)
            raise

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction that never waits for the write lock."""
        try:
            async with self.read_sessionmaker() as session, session.begin():
                yield session
        except BaseException as exc:
            release_driver_frames(exc)
            raise

    async def ping(self) -> None:
        """Raise unless the database answers."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
