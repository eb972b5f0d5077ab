"""Fixtures for the messages' tests: the members app with its SMTP intake listening on a free
loopback port (mail is sent to it with aiosmtplib), and a real SMTP server process (aiosmtpd,
writing what it accepts into a Maildir) as the relay the replies go out through."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.broker import free_port
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app
from frontdoor_common.testing.smtp import SmtpServer
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import TENANT, context_of, headers

MAILBOX = "kontakt@oslo.union.example"


Relay = SmtpServer  # the relay the replies go out through


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[Relay]:
    """A running SMTP relay process on a free loopback port."""
    server = Relay(tmp_path / "relay", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def messages_app(make_settings: Callable[..., Any], relay: Relay, clock: ManualClock) -> Callable[..., Any]:
    """`async with messages_app(broker=False) as (client, app)`: the members app on the manual clock,
    its intake on a free port (`intake_port(app)`), its mail going to the relay."""

    @asynccontextmanager
    async def run(*, broker: bool = False, **overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        values: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": relay.port,
            "smtp_timeout_s": 10.0,
            "mail_from": "kontakt@union.example",
            "mail_send_interval_s": 0.05,
            "mail_retry_backoff_s": 60.0,
            "mail_retry_backoff_max_s": 600.0,
            "intake_smtp_port": 0,
            "intake_max_bytes": 200_000,
            "message_text_max_chars": 5000,
        }
        if not broker:
            values["kafka_bootstrap_servers"] = None
        values.update(overrides)
        settings: Settings = make_settings(Settings, **values)
        app = create_app(settings, clock=clock)
        async with running_app(app) as client:
            yield client, app

    return run


def intake_port(app: FastAPI) -> int:
    """The port the app's SMTP intake listens on."""
    port: int | None = context_of(app).intake.port
    assert port, "the intake is not listening"
    return port


async def add_mailbox(
    client: httpx.AsyncClient, name: str = "kontakt", address: str | None = MAILBOX, tenant: str = TENANT, **body: Any
) -> dict[str, Any]:
    """Give the tenant an intake mailbox (or form); returns it."""
    r = await client.put(f"/v1/mailboxes/{name}", json={"address": address, **body}, headers=headers(tenant))
    assert r.status_code in (200, 201), r.text
    result: dict[str, Any] = r.json()
    return result


def mail(
    *,
    sender: str = "Astrid Fjellheim <astrid.fjellheim@example.org>",
    to: str = MAILBOX,
    subject: str = "Question about my dues",
    text: str = "Hello, I was charged twice for November. Can you check?",
    message_id: str | None = "<m1@mail.example.org>",
) -> EmailMessage:
    """A member's mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    return message


async def send(port: int, message: EmailMessage, *, recipients: list[str] | None = None) -> Any:
    """Send `message` to the intake on loopback with aiosmtplib; the server's answer."""
    return await aiosmtplib.send(
        message,
        hostname="127.0.0.1",
        port=port,
        sender="bounces@example.org",
        recipients=recipients or [MAILBOX],
        timeout=20,
    )


async def outbox_types(app: FastAPI) -> list[str]:
    """The types of the events in the app's outbox, oldest first."""
    async with context_of(app).db.transaction() as session:
        return [row.type for row in (await session.execute(select(outbox.c.type).order_by(outbox.c.id))).all()]
