"""The SMS sender: a background worker moving due rows of the SMS outbox to the gateway.

A row is claimed in a short transaction (status 'sending' until `claimed_until`), sent
outside any transaction (a slow gateway never holds a database lock), and the result is
recorded in a second transaction. A gateway outage leaves the row pending with a later
`next_attempt_at` (exponential backoff): messages are delayed, never lost. A crash between
sending and recording re-sends after the claim times out (the provider gets our reference).
Messages to one number leave in the order they were queued.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_surveys.gateway.base import GatewayError, OutgoingMessage, RejectedByGateway
from frontdoor_surveys.gateway.directory import GatewayDirectory
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.policy import rules
from frontdoor_surveys.policy.service import load_policy
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.service import SurveyService

log = get_logger(__name__)

_UNSENT = ("pending", "sending")


class SmsSender(TaskWorker):
    """Sends due SMS; `wake()` after a commit that queued some, else it polls."""

    name = "sms_sender"

    def __init__(
        self, *, db: Database, settings: Settings, clock: Clock, directory: GatewayDirectory, surveys: SurveyService
    ) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.clock = clock
        self.directory = directory  # the platform's gateway, or a tenant's own (gateway.directory)
        self.surveys = surveys
        self._wake = asyncio.Event()
        self.sent_total = 0
        self.failures_total = 0

    def wake(self) -> None:
        """Look for due messages now."""
        self._wake.set()

    async def run(self) -> None:
        """Send what is due whenever woken, and every `sms_send_interval_s`."""
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.sms_send_interval_s)
                self._wake.clear()
                while await self.send_due() >= self.settings.sms_batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database hiccupped: keep going
                # the type only: a message could quote a row (numbers, texts)
                log.warning("sms sender error", error_type=type(exc).__name__)
                await asyncio.sleep(0.5)

    async def send_due(self) -> int:
        """Send one batch of due messages; returns how many were claimed."""
        claimed = await self._claim()
        if not claimed:
            return 0
        async with self.db.transaction() as session:
            gateways = await self.directory.resolve(session, {r.tenant_id for r in claimed})
        failed_numbers: set[str] = set()
        for row in claimed:
            if row.to_number in failed_numbers:
                await self._release(row)  # keep the number's order: wait behind its failed message
                continue
            route = gateways[row.tenant_id]
            message = OutgoingMessage(
                reference=row.id,
                tenant_id=row.tenant_id,
                to=row.to_number,
                sender=route.sender_id,
                body=row.body,
            )
            try:
                receipt = await route.gateway.send(message)
            except RejectedByGateway as exc:
                await self._record_rejected(row, str(exc))
            except (GatewayError, OSError, TimeoutError) as exc:
                failed_numbers.add(row.to_number)
                await self._record_failure(row, str(exc))
            else:
                await self._record_sent(row, receipt.provider_message_id)
        return len(claimed)

    async def _claim(self) -> list[OutgoingSms]:
        current = self.clock.now()
        due = or_(
            and_(col(OutgoingSms.status) == "pending", col(OutgoingSms.next_attempt_at) <= current),
            and_(col(OutgoingSms.status) == "sending", col(OutgoingSms.claimed_until) < current),
        )
        async with self.db.transaction() as session:
            rows = (
                (
                    await session.execute(
                        select(OutgoingSms)
                        .where(due)
                        .order_by(col(OutgoingSms.created_at), col(OutgoingSms.id))
                        .limit(self.settings.sms_batch_size)
                    )
                )
                .scalars()
                .all()
            )
            if not rows:
                return []
            numbers = {r.to_number for r in rows}
            first_unsent: dict[str, datetime | str] = {
                number: first
                for number, first in (
                    await session.execute(
                        select(col(OutgoingSms.to_number), func.min(col(OutgoingSms.created_at)))
                        .where(col(OutgoingSms.to_number).in_(numbers), col(OutgoingSms.status).in_(_UNSENT))
                        .group_by(col(OutgoingSms.to_number))
                    )
                ).all()
            }
            claimed: list[OutgoingSms] = []
            until = current + timedelta(seconds=self.settings.sms_claim_timeout_s)
            policies: dict[str, rules.Policy] = {}
            for row in rows:
                if row.kind == "first":
                    if row.tenant_id not in policies:
                        policies[row.tenant_id] = await load_policy(session, row.tenant_id)
                    policy = policies[row.tenant_id]
                    zone = rules.member_time_zone(row.to_number, policy.time_zone)
                    morning = rules.next_send_time(current, zone, policy.quiet_start, policy.quiet_end)
                    if morning > current:
                        # retried into the night (the gateway was down): the survey waits for the morning again
                        await session.execute(
                            update(OutgoingSms)
                            .where(col(OutgoingSms.id) == row.id, col(OutgoingSms.status) == "pending")
                            .values(next_attempt_at=morning)
                        )
                        continue
                first = first_unsent.get(row.to_number)
                if first is not None and _utc(first) < _utc(row.created_at):
                    earlier_claimed = any(c.to_number == row.to_number for c in claimed)
                    if not earlier_claimed:
                        continue  # an earlier message to this number waits (quiet hours, backoff)
                result = await session.execute(
                    update(OutgoingSms)
                    .where(
                        col(OutgoingSms.id) == row.id,
                        col(OutgoingSms.status) == row.status,
                        col(OutgoingSms.attempts) == row.attempts,
                    )
                    .values(status="sending", claimed_until=until)
                )
                if getattr(result, "rowcount", 0) == 1:
                    claimed.append(row)
            return claimed

    async def _release(self, row: OutgoingSms) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingSms)
                .where(col(OutgoingSms.id) == row.id)
                .values(status="pending", claimed_until=None, next_attempt_at=self.clock.now())
            )

    async def _record_sent(self, row: OutgoingSms, provider_message_id: str) -> None:
        current = self.clock.now()
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingSms)
                .where(col(OutgoingSms.id) == row.id)
                .values(
                    status="sent",
                    sent_at=current,
                    attempts=row.attempts + 1,
                    claimed_until=None,
                    provider_message_id=provider_message_id,
                    last_error=None,
                )
            )
            if row.kind == "first" and row.survey_id is not None:
                await self.surveys.mark_sent(session, row.survey_id, current)
        self.sent_total += 1

    async def _record_failure(self, row: OutgoingSms, error: str) -> None:
        current = self.clock.now()
        attempts = row.attempts + 1
        delay = min(
            self.settings.sms_retry_backoff_s * (2 ** (attempts - 1)),
            self.settings.sms_retry_backoff_max_s,
        )
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingSms)
                .where(col(OutgoingSms.id) == row.id)
                .values(
                    status="pending",
                    attempts=attempts,
                    claimed_until=None,
                    next_attempt_at=current + timedelta(seconds=delay),
                    last_error=error[:500],
                )
            )
        self.failures_total += 1
        log.warning(
            "sms gateway failed; will retry", sms_id=str(row.id), attempts=attempts, retry_in_s=delay, error=error
        )

    async def _record_rejected(self, row: OutgoingSms, error: str) -> None:
        current = self.clock.now()
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingSms)
                .where(col(OutgoingSms.id) == row.id)
                .values(status="failed", attempts=row.attempts + 1, claimed_until=None, last_error=error[:500])
            )
            if row.kind == "first" and row.survey_id is not None:
                await self.surveys.mark_failed(session, row.survey_id, current)
        log.warning("sms refused by the gateway", sms_id=str(row.id), error=error)


def _utc(value: datetime | str) -> datetime:
    # min() over a column comes back without the column type on SQLite: naive or a string.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
