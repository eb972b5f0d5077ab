"""The mail sender: a background worker moving due rows of the mail outbox to the SMTP relay.

A row is claimed in a short transaction (status 'sending' until `claimed_until`), sent outside
any transaction (a slow relay never holds a database lock), and the result is recorded in a
second transaction. A relay that is down leaves the row pending with a later `next_attempt_at`
(exponential backoff): the mail is delayed, never lost, and the agent sees it pending with its
attempts. A permanent refusal (5xx) or running out of attempts marks it failed.

At-least-once: a crash between the relay accepting the mail and the row being marked sent sends
it again once the claim times out. Every mail carries a Message-ID stable per forward, so the
receiving side can drop the duplicate. Logs name ids only, never an address or the text.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import aiosmtplib
from sqlalchemy import and_, or_, select, update
from sqlmodel import col

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.workers import TaskWorker
from frontdoor_members.forwards.mail import build_message
from frontdoor_members.forwards.models import OutgoingMail
from frontdoor_members.settings import Settings

log = get_logger(__name__)


def error_class(exc: BaseException) -> str:
    """What the agent and the log see of a delivery error: its class and SMTP code, never its text
    (a server's message may quote addresses)."""
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} {code}"[:100] if isinstance(code, int) else type(exc).__name__[:100]


def permanent(exc: BaseException) -> bool:
    """A refusal the relay will repeat (5xx), as opposed to one worth retrying."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= e.code < 600 for e in exc.recipients)
    code = getattr(exc, "code", None)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and isinstance(code, int) and 500 <= code < 600


class MailSender(TaskWorker):
    """Sends due mail; `wake()` after a commit that queued some, else it polls."""

    name = "mail_sender"

    def __init__(self, *, db: Database, settings: Settings, clock: Clock) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.clock = clock
        self._wake = asyncio.Event()
        self.sent_total = 0
        self.failures_total = 0

    def wake(self) -> None:
        """Look for due mail now."""
        self._wake.set()

    async def run(self) -> None:
        """Send what is due whenever woken, and every `mail_send_interval_s`."""
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.mail_send_interval_s)
                self._wake.clear()
                while await self.send_due() >= self.settings.mail_batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database hiccupped: keep going
                log.warning("mail sender error", error_type=type(exc).__name__)
                await asyncio.sleep(0.5)

    async def send_due(self) -> int:
        """Send one batch of due mail; returns how many were claimed."""
        if not self.settings.smtp_host:
            return 0  # nowhere to send: the mail waits (and the agent sees it pending)
        claimed = await self._claim()
        for row in claimed:
            try:
                await self._send(row)
            except Exception as exc:
                if permanent(exc) or row.attempts + 1 >= self.settings.mail_max_attempts:
                    await self._record_failed(row, exc)
                else:
                    await self._record_retry(row, exc)
            else:
                await self._record_sent(row)
        return len(claimed)

    async def _send(self, row: OutgoingMail) -> None:
        s = self.settings
        message = build_message(
            sender=s.mail_from,
            to=row.to_address,
            subject=row.subject,
            body=row.body,
            message_id=row.message_id,
            created_at=row.created_at,
            in_reply_to=row.in_reply_to,
            references=row.references,
        )
        await aiosmtplib.send(
            message,
            sender=s.mail_from,
            recipients=[row.to_address],
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            username=s.smtp_username,
            password=s.smtp_password,
            timeout=s.smtp_timeout_s,
        )

    async def _claim(self) -> list[OutgoingMail]:
        current = self.clock.now()
        due = or_(
            and_(col(OutgoingMail.status) == "pending", col(OutgoingMail.next_attempt_at) <= current),
            and_(col(OutgoingMail.status) == "sending", col(OutgoingMail.claimed_until) < current),
        )
        until = current + timedelta(seconds=self.settings.mail_claim_timeout_s)
        async with self.db.transaction() as session:
            rows = (
                await session.scalars(
                    select(OutgoingMail)
                    .where(due)
                    .order_by(col(OutgoingMail.next_attempt_at), col(OutgoingMail.id))
                    .limit(self.settings.mail_batch_size)
                )
            ).all()
            claimed: list[OutgoingMail] = []
            for row in rows:
                # conditional: another instance claiming the same row at once gets rowcount 0
                result = await session.execute(
                    update(OutgoingMail)
                    .where(
                        col(OutgoingMail.id) == row.id,
                        col(OutgoingMail.status) == row.status,
                        col(OutgoingMail.attempts) == row.attempts,
                    )
                    .values(status="sending", claimed_until=until)
                )
                if getattr(result, "rowcount", 0) == 1:
                    claimed.append(row)
            return claimed

    async def _finish(self, row: OutgoingMail, **values: object) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(OutgoingMail)
                .where(col(OutgoingMail.id) == row.id, col(OutgoingMail.status) == "sending")
                .values(attempts=row.attempts + 1, claimed_until=None, **values)
            )

    async def _record_sent(self, row: OutgoingMail) -> None:
        await self._finish(row, status="sent", sent_at=self.clock.now(), last_error=None)
        self.sent_total += 1
        log.info("forward mail sent", mail_id=str(row.id), forward_id=str(row.forward_id))

    async def _record_retry(self, row: OutgoingMail, exc: BaseException) -> None:
        attempts = row.attempts + 1
        delay = min(self.settings.mail_retry_backoff_s * 2 ** (attempts - 1), self.settings.mail_retry_backoff_max_s)
        error = error_class(exc)
        await self._finish(
            row, status="pending", next_attempt_at=self.clock.now() + timedelta(seconds=delay), last_error=error
        )
        self.failures_total += 1
        log.warning(
            "forward mail not sent; will retry",
            mail_id=str(row.id),
            forward_id=str(row.forward_id),
            attempts=attempts,
            retry_in_s=delay,
            error_type=error,
        )

    async def _record_failed(self, row: OutgoingMail, exc: BaseException) -> None:
        error = error_class(exc)
        await self._finish(row, status="failed", last_error=error)
        self.failures_total += 1
        log.error("forward mail failed for good", mail_id=str(row.id), forward_id=str(row.forward_id), error_type=error)
