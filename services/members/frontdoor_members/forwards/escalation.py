"""The escalation worker: open follow-ups whose `escalate_at` passed become `escalated`, each with
one members.followup.escalated event.

Exactly one event per follow-up, across restarts and instances: the state change is a
conditional update (`status = 'open'`) and the event is written in the same transaction, only
when that update changed the row. A second instance racing for the same row changes nothing
and publishes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import select, update
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_members.forwards.models import FollowUp
from frontdoor_members.forwards.notifier import ForwardsNotifier

log = get_logger(__name__)

BATCH = 100


class Escalator(TaskWorker):
    """Escalates due follow-ups every `interval_s` (decisions on the clock, so a test moves time)."""

    name = "followup_escalator"

    def __init__(self, *, db: Database, clock: Clock, notifier: ForwardsNotifier, interval_s: float) -> None:
        super().__init__()
        self.db = db
        self.clock = clock
        self.notifier = notifier
        self.interval_s = interval_s
        self._wake = asyncio.Event()
        self.escalated_total = 0

    def wake(self) -> None:
        """Look for due follow-ups now."""
        self._wake.set()

    async def run(self) -> None:
        """Escalate what is due, then wait for the interval or a wake-up."""
        while True:
            try:
                while await self.escalate_due() >= BATCH:
                    pass
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
                self._wake.clear()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database hiccupped: keep going
                log.warning("follow-up escalation error", error_type=type(exc).__name__)
                await asyncio.sleep(0.5)

    async def escalate_due(self) -> int:
        """Escalate one batch of due follow-ups; returns how many this instance escalated."""
        now = self.clock.now()
        done = 0
        async with self.db.transaction() as session:
            due = (
                await session.scalars(
                    select(FollowUp)
                    .where(col(FollowUp.status) == "open", col(FollowUp.escalate_at) <= now)
                    .order_by(col(FollowUp.escalate_at), col(FollowUp.id))
                    .limit(BATCH)
                )
            ).all()
            for followup in due:
                result = await session.execute(
                    update(FollowUp)
                    .where(col(FollowUp.id) == followup.id, col(FollowUp.status) == "open")
                    .values(status="escalated", escalated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if getattr(result, "rowcount", 0) != 1:
                    continue  # another instance (or a "done") got there first
                session.expunge(followup)  # the update above is the one write; the row only feeds the event
                followup.status, followup.escalated_at = "escalated", now
                await self.notifier.followup_escalated(session, followup)
                done += 1
                log.info("follow-up escalated", followup_id=str(followup.id), member_id=str(followup.member_id))
        self.escalated_total += done
        return done
