"""Fixtures for the course feeds' tests: the members app on the manual clock (feeds from this machine
allowed only where a test says so), feeds written as CSV and iCalendar, an HTTP server that serves
them, and the course tests' helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app
from frontdoor_members.app import create_app
from frontdoor_members.settings import Settings
from frontdoor_members.testing import TENANT, context_of, create_member, headers

CSV_HEADER = "uid,title,starts_at,ends_at,place,seats,signup_deadline,departments,status"


def csv_row(uid: str, **overrides: Any) -> str:
    """A CSV row of a course in December (the clock stands at 2026-11-25 12:00 UTC)."""
    row = {
        "uid": uid,
        "title": f"Kurs {uid}",
        "starts_at": "2026-12-10T09:00:00Z",
        "ends_at": "2026-12-10T15:00:00Z",
        "place": "Folkets hus",
        "seats": "2",
        "signup_deadline": "2026-12-01T12:00:00Z",
        "departments": "",
        "status": "",
    }
    row.update(overrides)
    return ",".join(row[k] for k in CSV_HEADER.split(","))


def csv_feed(*rows: str) -> bytes:
    """A CSV document with the header and these rows."""
    return ("\r\n".join([CSV_HEADER, *rows]) + "\r\n").encode()


def vevent(uid: str, *lines: str, start: str = "20261210T090000Z", end: str = "20261210T150000Z") -> str:
    """A VEVENT with a title, times and any more property lines."""
    body = [f"UID:{uid}", f"SUMMARY:Kurs {uid}", f"DTSTART:{start}", f"DTEND:{end}", *lines]
    return "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in body) + "END:VEVENT\r\n"


def ical_feed(*events: str) -> bytes:
    """A VCALENDAR of these events."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//course system//EN\r\n" + "".join(events) + "END:VCALENDAR\r\n"
    ).encode()


async def import_feed(
    client: httpx.AsyncClient, body: bytes, media: str = "text/csv", tenant: str = TENANT, **params: Any
) -> httpx.Response:
    """POST /v1/courses/import."""
    return await client.post(
        "/v1/courses/import", content=body, params=params, headers=headers(tenant, **{"Content-Type": media})
    )


async def imported(client: httpx.AsyncClient, body: bytes, media: str = "text/csv", **params: Any) -> dict[str, Any]:
    """Import and return the report (fails loudly otherwise)."""
    r = await import_feed(client, body, media, **params)
    assert r.status_code == 200, r.text
    report: dict[str, Any] = r.json()
    return report


def by_uid(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's outcomes by uid."""
    return {o["uid"]: o for o in report["outcomes"]}


async def course_count(app: FastAPI) -> int:
    """How many courses the database holds, every tenant's."""
    from frontdoor_members.courses.models import Course

    async with context_of(app).db.transaction() as session:
        return len(list(await session.scalars(select(Course.id))))


async def outbox_events(app: FastAPI, prefix: str = "members.course.") -> list[tuple[str, dict[str, Any]]]:
    """The (type, data) of every event in the outbox whose type starts with `prefix`, oldest first."""
    async with context_of(app).db.transaction() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
    return [(t, json.loads(p)["data"]) for t, p in rows if t.startswith(prefix)]


async def some_members(
    client: httpx.AsyncClient, n: int, tenant: str = TENANT, **overrides: Any
) -> list[dict[str, Any]]:
    """`n` made-up members of the tenant."""
    return [
        await create_member(
            client,
            tenant=tenant,
            member_number=f"40{i:05d}",
            first_name=f"Medlem{i}",
            national_id=None,
            phones=[],
            email=None,
            **overrides,
        )
        for i in range(n)
    ]


@pytest.fixture
def feeds_app(make_settings: Callable[..., Any], clock: ManualClock) -> Callable[..., Any]:
    """`async with feeds_app(**settings) as (client, app)`: the members app on the manual clock, no broker;
    the feed worker looks for due feeds once an hour unless a test says otherwise."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        values: dict[str, Any] = {"kafka_bootstrap_servers": None, "course_feed_check_interval_s": 3600.0}
        values.update(overrides)
        settings: Settings = make_settings(Settings, **values)
        app = create_app(settings, clock=clock)
        async with running_app(app) as client:
            yield client, app

    return run


class FeedServer:
    """A raw HTTP/1.1 server on 127.0.0.1: `routes` maps a path to (status, content type, body);
    `/huge` sends an endless body. Counts connections."""

    def __init__(self) -> None:
        self.port = 0
        self.connections = 0
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> FeedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    def url(self, path: str) -> str:
        """The URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            if path == "/huge":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n" + CSV_HEADER.encode()
                )
                for _ in range(10_000):
                    writer.write(b"\r\n" + b"x" * 65_000)
                    await writer.drain()
            else:
                status, media, body = self.routes.get(path, (404, "text/plain", b"not here"))
                head_out = f"HTTP/1.1 {status} X\r\nContent-Type: {media}\r\nContent-Length: {len(body)}\r\n\r\n"
                writer.write(head_out.encode() + body)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, IndexError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
