"""The administration's fixtures: an administrator's page in Chromium, another tenant's objects."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from console_helpers import Stage, ok, sign_in

sys.path.insert(0, str(Path(__file__).parent))  # admin_helpers (named so that no other folder's module shadows it)

from frontdoor_common.auth import mint_token


@pytest.fixture
def admin(browser: Any, console: str) -> Iterator[Any]:
    """A Chromium page signed in as an administrator (in English), on /admin."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, console, "Kari Nordmann", role="administrator", start="/admin")
        yield page
    finally:
        context.close()


@pytest.fixture(scope="module")
def other_tenant(api: Stage) -> Iterator[dict[str, str]]:
    """A queue and an agent of another tenant, made through the services' own APIs."""
    tenant = f"other-{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {mint_token(tenant_id=tenant, scopes='all', subject='test')}"}
    with (
        httpx.Client(base_url=api.url("routing"), headers=headers, timeout=30) as routing,
        httpx.Client(base_url=api.url("agents"), headers=headers, timeout=30) as agents,
    ):
        queue = ok(routing.post("/v1/queues", json={"name": "Theirs", "ivr_digit": "1"}), 201)
        agent = ok(agents.post("/v1/agents", json={"name": "Their Agent"}), 201)
        closure = ok(
            agents.post(
                "/v1/closures",
                json={"title": "Theirs", "start": "2040-01-01T00:00:00+00:00", "end": "2040-01-02T00:00:00+00:00"},
            ),
            201,
        )
        yield {"tenant": tenant, "queue": queue["id"], "agent": agent["id"], "closure": closure["id"]}
