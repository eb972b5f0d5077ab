"""Fixtures for the courses' tests: the members app on the manual clock (with the broker or
without), a course and members to sign up, and the events the outbox holds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
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

STARTS = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # the clock stands at 2026-11-25 12:00 UTC


def course_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/courses body: a tillitsvalgt course in December, sign-ups until 1 December."""
    body: dict[str, Any] = {
        "title": "Grunnkurs for tillitsvalgte",
        "starts_at": STARTS.isoformat(),
        "ends_at": STARTS.replace(hour=15).isoformat(),
        "place": "Folkets hus, Oslo",
        "seats": 2,
        "signup_deadline": datetime(2026, 12, 1, 12, 0, tzinfo=UTC).isoformat(),
    }
    body.update(overrides)
    return body


async def create_course(client: httpx.AsyncClient, tenant: str = TENANT, **overrides: Any) -> dict[str, Any]:
    """Add a course and return it (fails loudly otherwise)."""
    r = await client.post("/v1/courses", json=course_body(**overrides), headers=headers(tenant))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def members(client: httpx.AsyncClient, n: int, tenant: str = TENANT, **overrides: Any) -> list[dict[str, Any]]:
    """`n` made-up members of the tenant (no national ID, no phone: only their number tells them apart)."""
    made = []
    for i in range(n):
        made.append(
            await create_member(
                client,
                tenant=tenant,
                member_number=f"30{i:05d}",
                first_name=f"Medlem{i}",
                national_id=None,
                phones=[],
                email=None,
                **overrides,
            )
        )
    return made


async def sign_up(
    client: httpx.AsyncClient, course_id: str, member_id: str, tenant: str = TENANT, **extra: Any
) -> httpx.Response:
    """POST a sign-up."""
    return await client.post(
        f"/v1/courses/{course_id}/signups", json={"member_id": member_id, **extra}, headers=headers(tenant)
    )


async def outbox_events(app: FastAPI, prefix: str = "members.course.") -> list[tuple[str, dict[str, Any]]]:
    """The (type, data) of every event in the outbox whose type starts with `prefix`, oldest first."""
    async with context_of(app).db.transaction() as session:
        rows = (await session.execute(select(outbox.c.type, outbox.c.payload).order_by(outbox.c.id))).all()
    return [(t, json.loads(p)["data"]) for t, p in rows if t.startswith(prefix)]


async def remarks(client: httpx.AsyncClient, member_id: str) -> list[str]:
    """The summaries of the member's remarks, newest first."""
    log = (await client.get(f"/v1/members/{member_id}/log?kind=course", headers=headers())).json()
    return [e["summary"] for e in log["entries"]]


@pytest.fixture
def courses_app(make_settings: Callable[..., Any], clock: ManualClock) -> Callable[..., Any]:
    """`async with courses_app(broker=False) as (client, app)`: the members app on the manual clock."""

    @asynccontextmanager
    async def run(*, broker: bool = False) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
        overrides: dict[str, Any] = {} if broker else {"kafka_bootstrap_servers": None}
        settings: Settings = make_settings(Settings, **overrides)
        app = create_app(settings, clock=clock)
        async with running_app(app) as client:
            yield client, app

    return run
