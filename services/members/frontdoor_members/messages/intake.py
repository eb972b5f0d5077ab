"""The SMTP intake: an aiosmtpd server on the members process's event loop, run as a worker.

- RCPT: the recipient must be one of a tenant's mailboxes (`PUT /v1/mailboxes/{name}`), else
  550; that is how the tenant is found. At most `MAX_RECIPIENTS` per mail.
- DATA: larger than `intake_max_bytes` is refused by aiosmtpd with 552 (the sender's server tells
  the sender: nothing is silently lost). The mail is parsed in a thread (bounded: at most
  `PARSE_SLOTS` at once), then stored with its members.message.received in one transaction per
  tenant; 250 is answered only after that commits. A failure answers 451 (try again later), so the
  sending server keeps the mail and delivers it again; a mail delivered again is recognised
  (Message-ID and content) and stored once.

At most `intake_max_connections` sessions at once (one more is answered 421). With a certificate
(`intake_tls_dir`: tls.crt and tls.key) STARTTLS is offered and required (530 without it);
production refuses to start an intake without one.

Logs name ids and counts only, never an address, a subject or the text.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.exc import IntegrityError

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.logging import get_logger
from frontdoor_common.service import Runtime
from frontdoor_members.crypto import Vault
from frontdoor_members.messages import mailboxes, service
from frontdoor_members.messages.models import Mailbox
from frontdoor_members.messages.notifier import MessagesNotifier
from frontdoor_members.messages.parsing import ParsedMail, parse
from frontdoor_members.notifier import MembersNotifier
from frontdoor_members.settings import Settings

log = get_logger(__name__)

MAX_RECIPIENTS = 20
PARSE_SLOTS = 2


class IntakeHandler:
    """aiosmtpd's handler: recipients checked against the tenants' mailboxes, mail stored before 250."""

    def __init__(
        self,
        *,
        db: Database,
        settings: Settings,
        clock: Clock,
        vault: Vault,
        notifier: MessagesNotifier,
        members_notifier: MembersNotifier,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.vault = vault
        self.notifier = notifier
        self.members_notifier = members_notifier
        self._parsing = asyncio.Semaphore(PARSE_SLOTS)
        self.received_total = 0
        self.duplicates_total = 0
        self.failures_total = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """250 for a tenant's mailbox, 550 for any other address."""
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            async with self.db.snapshot() as s:
                found = await mailboxes.for_recipients(s, [address])
        except Exception as exc:
            log.warning("intake recipient lookup failed", error_type=type(exc).__name__)
            return "451 4.3.0 Temporary failure, try again later"
        if not found:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the mail for every tenant it was addressed to; 250 only once all of it is committed."""
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode("utf-8", errors="replace")
        try:
            async with self.db.snapshot() as s:
                boxes = await mailboxes.for_recipients(s, list(envelope.rcpt_tos))
            async with self._parsing:
                parsed = await asyncio.to_thread(
                    parse, raw, envelope_from=envelope.mail_from, max_text_chars=self.settings.message_text_max_chars
                )
            first: dict[str, Mailbox] = {}
            for box in boxes:  # one message per tenant: the first of its mailboxes it was sent to
                first.setdefault(box.tenant_id, box)
            for tenant_id, box in first.items():
                await self._store(tenant_id, box, parsed)
        except Exception as exc:
            self.failures_total += 1
            log.error("intake could not store a mail; the sender will retry", error_type=type(exc).__name__)
            return "451 4.3.0 Temporary failure, try again later"
        return "250 2.0.0 OK: queued"

    async def _store(self, tenant_id: str, box: Mailbox, parsed: ParsedMail) -> None:
        incoming = service.Incoming(
            channel="email",
            sender_address=parsed.sender_address or "",
            sender_name=parsed.sender_name,
            subject=parsed.subject,
            text=parsed.text,
            text_truncated=parsed.text_truncated,
            raw_size=parsed.raw_size,
            mailbox=box,
            header_message_id=parsed.header_message_id,
            header_references=parsed.header_references,
            dedup_key=parsed.dedup_key,
            attachments=parsed.attachments,
        )
        for attempt in range(2):
            try:
                async with self.db.transaction() as s:
                    row, created = await service.receive(
                        s, self.vault, self.notifier, self.members_notifier, tenant_id, incoming, now=self.clock.now()
                    )
                break
            except IntegrityError:
                if attempt:  # the same mail stored by a concurrent delivery: the second pass finds it
                    raise
        if created:
            self.received_total += 1
            quarantined = sum(1 for a in parsed.attachments if a.quarantine_reason)
            log.info(
                "mail received",
                message_id=str(row.id),
                identified=row.member_id is not None,
                attachments=len(parsed.attachments),
                quarantined=quarantined,
                size=parsed.raw_size,
            )
        else:
            self.duplicates_total += 1
            log.info("mail received again; kept once", message_id=str(row.id))


class _CountedSMTP(SMTP):
    """An SMTP session that counts itself against the intake's cap: one more than
    `intake_max_connections` is answered 421 and closed before the handler sees anything."""

    def __init__(self, intake: IntakeServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._intake = intake
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._intake.sessions >= self._intake.settings.intake_max_connections:
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(b"421 4.7.0 Too many connections, try again later\r\n")
            transport.close()
            return
        self._intake.sessions += 1
        self._counted = True
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._counted:
            self._counted = False
            self._intake.sessions -= 1
            super().connection_lost(error)


class IntakeServer:
    """The intake as a worker: listens on `intake_smtp_host:intake_smtp_port` (off when no port;
    port 0 takes a free one, see `port`)."""

    name = "message_intake"

    def __init__(self, *, handler: IntakeHandler, settings: Settings) -> None:
        self.handler = handler
        self.settings = settings
        self._server: asyncio.Server | None = None
        self.port: int | None = None
        self.sessions = 0  # SMTP sessions open now (at most intake_max_connections)
        self._tls_context: ssl.SSLContext | None = None

    @classmethod
    def build(
        cls, runtime: Runtime, settings: Settings, clock: Clock, members_notifier: MembersNotifier
    ) -> IntakeServer:
        """The intake with its own vault and messages' notifier on the service's outbox, and the
        service's members notifier (it seals the members' personal fields)."""
        handler = IntakeHandler(
            db=runtime.db,
            settings=settings,
            clock=clock,
            vault=Vault(settings.data_keys),
            notifier=MessagesNotifier(runtime.outbox, clock),
            members_notifier=members_notifier,
        )
        return cls(handler=handler, settings=settings)

    def _tls(self) -> ssl.SSLContext | None:
        s = self.settings
        if s.intake_tls_dir is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(s.intake_tls_dir / "tls.crt", s.intake_tls_dir / "tls.key")
        return context

    def _protocol(self) -> SMTP:
        s = self.settings
        return _CountedSMTP(
            self,
            self.handler,
            data_size_limit=s.intake_max_bytes,
            enable_SMTPUTF8=True,
            hostname=s.intake_hostname,
            ident="Frontdoor intake",
            timeout=s.intake_timeout_s,
            tls_context=self._tls_context,
            require_starttls=self._tls_context is not None,
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> None:
        """Listen, if a port is set."""
        s = self.settings
        if s.intake_smtp_port is None or self._server is not None:
            return
        loop = asyncio.get_running_loop()
        self._tls_context = self._tls()  # a bad certificate or key stops the start, loudly
        self._server = await loop.create_server(self._protocol, host=s.intake_smtp_host, port=s.intake_smtp_port)
        sockets: Any = self._server.sockets or []
        self.port = sockets[0].getsockname()[1] if sockets else s.intake_smtp_port
        log.info("SMTP intake listening", host=s.intake_smtp_host, port=self.port)

    async def stop(self) -> None:
        """Stop listening (a mail being received is cut off: its sender retries, nothing was answered 250)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            try:
                await asyncio.wait_for(server.wait_closed(), 5)
            except TimeoutError:
                log.warning("SMTP intake connections still open at shutdown")

    def healthy(self) -> bool:
        """Unhealthy only when it should listen and does not."""
        return self.settings.intake_smtp_port is None or (self._server is not None and self._server.is_serving())
