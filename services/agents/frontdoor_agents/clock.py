"""Time for the scheduler and the services: the system clock, or a clock tests drive."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the service asks of time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Return at `when`, or earlier if `wake` is set."""
        ...


class SystemClock:
    """Wall-clock time; sleeps on the event loop's timer."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Sleep until `when` or a wake-up."""
        delay = (when - self.now()).total_seconds()
        if delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), delay)


class ManualClock:
    """A clock that only moves when told to (tests): `set(t)` wakes every sleeper."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        """The time last set."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move the clock (forwards or backwards) and wake the sleepers."""
        self._now = when
        self._moved.set()

    async def sleep_until(self, when: datetime, wake: asyncio.Event) -> None:
        """Wait until the clock reaches `when` or a wake-up."""
        while self._now < when and not wake.is_set():
            self._moved.clear()
            moved = asyncio.ensure_future(self._moved.wait())
            woken = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait({moved, woken}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                moved.cancel()
                woken.cancel()
