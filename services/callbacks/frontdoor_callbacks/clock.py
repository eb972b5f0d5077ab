"""Time as a dependency: the system clock in production, a manual one in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (tests: never sleep for real minutes)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The clock's current time."""
        return self._now

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        """Move forward by `delta` (or timedelta(**kw)); returns the new time."""
        self._now += delta if delta is not None else timedelta(**kw)
        return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to `when`."""
        self._now = when.astimezone(UTC)
        return self._now
