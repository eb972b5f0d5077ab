"""The expiry sweeper: a background task closing surveys that waited a day without answers."""

from __future__ import annotations

import asyncio
import contextlib

from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys import service

log = get_logger(__name__)


class ExpirySweeper:
    """Runs `service.expire_due` every `sweep_interval_s`, one transaction per sweep."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings
        self.interval = settings.sweep_interval_s if isinstance(settings, Settings) else 30.0
        self._task: asyncio.Task[None] | None = None
        self.expired_total = 0

    async def start(self) -> None:
        """Start sweeping."""
        self._task = asyncio.create_task(self._loop(), name="survey-expiry")

    async def stop(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def sweep(self) -> int:
        """Expire what is due now; returns how many surveys expired."""
        async with self.runtime.db.transaction() as session:
            expired = await service.expire_due(session, self.runtime)
        self.expired_total += expired
        return expired

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.sleep(self.interval)
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("expiry sweep failed", error=str(exc), error_type=type(exc).__name__)
