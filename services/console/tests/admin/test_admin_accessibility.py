"""axe-core on every administration page, with a refused value shown beside its field."""

from __future__ import annotations

from typing import Any

import pytest
from admin_helpers import submit
from console_helpers import AXE, INVOICES, Stage, axe_violations, ok


def _clean(page: Any, where: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{where}: {found}"


def test_every_administration_page_passes_axe_core(admin: Any, console: str, api: Stage) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make browser installs it)")
    page = admin
    agent_id = ok(api.agents.get("/v1/agents"))[0]["id"]
    for path in (
        "/admin",
        "/admin/queues",
        "/admin/queues/new",
        f"/admin/queues/{INVOICES}",
        "/admin/staff",
        "/admin/staff/new",
        f"/admin/staff/{agent_id}",
        "/admin/hours",
        "/admin/reasons",
    ):
        response = page.goto(console + path)
        assert response is not None and response.status == 200, path
        _clean(page, path)
    page.goto(console + f"/admin/queues/{INVOICES}")
    page.fill("#q-ivr-digit", "x")
    assert submit(page, "#queue-form", "#queue-save") == 422
    _clean(page, "a queue with a refused value")
    page.goto(console + "/admin/reasons")
    page.fill("#reason-code", "Not A Code")
    assert submit(page, "#reasons", "#reason-add") == 422
    _clean(page, "reasons with a refused value")
