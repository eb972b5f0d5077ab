"""The expiry sweeper: a background worker closing surveys that waited a day without answers."""

from __future__ import annotations

import asyncio

from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_surveys.surveys.service import SurveyService

log = get_logger(__name__)


class ExpirySweeper(TaskWorker):
    """Runs `SurveyService.expire_due` every `interval_s`, one transaction per sweep; also drops the
    contacts that waited too long for their member."""

    name = "expiry_sweeper"

    def __init__(self, *, db: Database, surveys: SurveyService, interval_s: float) -> None:
        super().__init__()
        self.db = db
        self.surveys = surveys
        self.interval_s = interval_s
        self.expired_total = 0

    async def sweep(self) -> int:
        """Expire what is due now; returns how many surveys expired."""
        async with self.db.transaction() as session:
            expired = await self.surveys.expire_due(session)
            await self.surveys.forget_unidentified(session)
        self.expired_total += expired
        return expired

    async def run(self) -> None:
        """Sweep every `interval_s`."""
        while True:
            try:
                await asyncio.sleep(self.interval_s)
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("expiry sweep failed", error_type=type(exc).__name__)  # a message could quote a row
