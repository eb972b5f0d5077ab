"""Time is a parameter: one clock for every service.

Production code asks a `Clock` for the time and never reads the wall clock itself, so a test
(or a simulation) moves time by hand with `ManualClock` instead of sleeping. `now()` is a
timezone-aware UTC datetime; `time()` is the same instant as epoch seconds (routing's core
counts in seconds); `sleep_until` lets a background worker wait for a moment that a manual
clock reaches when the test moves it.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the services ask of time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def time(self) -> float:
        """The current time as epoch seconds."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event | None = None) -> None:
        """Return at `when`, or earlier if `wake` is set."""
        ...


class SystemClock:
    """Wall-clock time; sleeps on the event loop's timer."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)

    def time(self) -> float:
        """The current time as epoch seconds."""
        return self.now().timestamp()

    async def sleep_until(self, when: datetime, wake: asyncio.Event | None = None) -> None:
        """Sleep until `when` or a wake-up."""
        delay = (when - self.now()).total_seconds()
        if delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for((wake or asyncio.Event()).wait(), delay)


class ManualClock:
    """A clock that moves only when told to (tests, simulations); moving it wakes sleepers."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._moved: asyncio.Event | None = None  # made on first sleep (inside a running loop)

    def now(self) -> datetime:
        """The time last set."""
        return self._now

    def time(self) -> float:
        """The time last set, as epoch seconds."""
        return self._now.timestamp()

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        """Move forward by `delta` (or `timedelta(**kw)`); returns the new time."""
        return self.set(self._now + (delta if delta is not None else timedelta(**kw)))

    def set(self, when: datetime) -> datetime:
        """Jump to `when` (forwards or backwards) and wake the sleepers; returns it."""
        if when.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware times")
        self._now = when.astimezone(UTC)
        if self._moved is not None:
            self._moved.set()
        return self._now

    async def sleep_until(self, when: datetime, wake: asyncio.Event | None = None) -> None:
        """Wait until the clock reaches `when` or a wake-up."""
        wake = wake or asyncio.Event()
        while self._now < when and not wake.is_set():
            if self._moved is None:
                self._moved = asyncio.Event()
            self._moved.clear()
            moved = asyncio.ensure_future(self._moved.wait())
            woken = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait({moved, woken}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                moved.cancel()
                woken.cancel()
