"""Fixtures for the forwards' tests: a real SMTP server process (aiosmtpd, writing each message it
accepts into a Maildir under tmp_path) on a free loopback port, and the members app sending to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdoor_common.bus.broker import free_port
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app
from frontdoor_common.testing.smtp import SmtpServer
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """A running SMTP server process on a free loopback port."""
    server = SmtpServer(tmp_path / "mail", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def forwards_settings(make_settings: Callable[..., Any], smtp_server: SmtpServer) -> Callable[..., Settings]:
    """Settings sending to the test's SMTP server, with quick workers (decisions on the manual clock)."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_timeout_s": 10.0,
            "mail_from": "frontdoor@union.example",
            "mail_send_interval_s": 0.05,
            "mail_retry_backoff_s": 60.0,
            "mail_retry_backoff_max_s": 600.0,
            "followup_check_interval_s": 0.05,
        }
        values.update(overrides)
        settings: Settings = make_settings(Settings, **values)
        return settings

    return build


@pytest.fixture
def forwards_app(forwards_settings: Callable[..., Settings], clock: ManualClock) -> Callable[..., Any]:
    """`async with forwards_app(broker=False) as (client, app)`: the members app on the manual clock."""

    @asynccontextmanager
    async def run(*, broker: bool = False, **overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        if not broker:
            overrides["kafka_bootstrap_servers"] = None
        app = create_app(forwards_settings(**overrides), clock=clock)
        async with running_app(app) as client:
            yield client, app

    return run
