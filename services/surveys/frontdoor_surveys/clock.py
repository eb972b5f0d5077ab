"""The service's clock: `runtime.state["clock"]`, so tests can move time (quiet hours, expiry)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from frontdoor_common.models import utcnow
from frontdoor_common.service import Runtime

Clock = Callable[[], datetime]


def now(runtime: Runtime) -> datetime:
    """The current time as the service sees it (UTC, timezone-aware)."""
    clock: Clock = runtime.state.get("clock", utcnow)
    return clock()


class ManualClock:
    """A clock that stands still until moved: for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self.current = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta`; returns the new time."""
        self.current += delta
        return self.current

    def set(self, moment: datetime) -> datetime:
        """Jump to `moment`."""
        self.current = moment.astimezone(UTC)
        return self.current
