"""Who may not administer, and what is not this tenant's: the 403 page, the 404 page."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import Desk, Stage, ok, sign_in


@pytest.mark.parametrize("role", ["supervisor", "team_lead"])
def test_only_administrators_get_the_administration(browser: Any, console: str, role: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Ola Lysebu", role=role)
        assert page.locator("header.top nav a[href='/admin']").count() == 0
        for path in ("/admin", "/admin/queues", "/admin/staff/new", "/admin/hours", "/admin/reasons"):
            response = page.goto(console + path)
            assert response is not None and response.status == 403, path
            assert "for administrators" in page.inner_text("#refused-admin")
    finally:
        context.close()


def test_a_supervisor_cannot_change_anything_over_http(console: str, api: Stage) -> None:
    desk = Desk(console, "Ola Lysebu", role="supervisor")
    try:
        before = ok(api.members.get("/v1/tenant/settings"))["reasons"]
        answer = desk.post("/admin/reasons", {"code": "sneaky"})
        assert answer.status_code == 403
        assert ok(api.members.get("/v1/tenant/settings"))["reasons"] == before
    finally:
        desk.close()


def test_another_tenants_objects_are_not_found(
    browser: Any, console: str, api: Stage, other_tenant: dict[str, str]
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Kari Nordmann", role="administrator", start="/admin")
        for path in (
            f"/admin/queues/{other_tenant['queue']}",
            f"/admin/staff/{other_tenant['agent']}",
            "/admin/queues/not-an-id",
        ):
            response = page.goto(console + path)
            assert response is not None and response.status == 404, path
            assert "Not found" in page.inner_text("h1")
    finally:
        context.close()


def test_another_tenants_objects_cannot_be_changed(console: str, api: Stage, other_tenant: dict[str, str]) -> None:
    desk = Desk(console, "Kari Nordmann", role="administrator")
    try:
        queue = desk.post(f"/admin/queues/{other_tenant['queue']}", {"name": "Mine now", "original": "{}"})
        assert queue.status_code == 404 and "not there" in queue.text
        closure = desk.post(f"/admin/closures/{other_tenant['closure']}/remove")
        assert closure.status_code == 404
        joined = desk.post(f"/admin/staff/{other_tenant['agent']}/queues", {"queue_id": other_tenant["queue"]})
        assert joined.status_code == 404
    finally:
        desk.close()
    from frontdoor_common.auth import mint_token

    theirs = {"Authorization": f"Bearer {mint_token(tenant_id=other_tenant['tenant'], scopes='all')}"}
    assert api.routing.get(f"/v1/queues/{other_tenant['queue']}", headers=theirs).json()["name"] == "Theirs"
    closures = api.agents.get("/v1/closures", headers=theirs).json()
    assert [c["id"] for c in closures] == [other_tenant["closure"]]
