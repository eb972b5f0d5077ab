"""Departments in Chromium: an administrator adds one and sets its case workers' address (where
the desk's forwards go), on the platform's real processes.

Each change is made in the page as an administrator makes it and then read back from members'
own API; a value members refuses (an email that is not an address, a code another department
has) stands beside its field and changes nothing; a change someone else made meanwhile survives
an edit of another field, and an edit of the same field is refused in words.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from admin_helpers import submit
from console_helpers import (
    AXE,
    Desk,
    Stage,
    axe_violations,
    console_settings,
    dead_url,
    ok,
    served_in_thread,
    sign_in,
)

from frontdoor_common.auth import mint_token
from frontdoor_console.app import create_app


def _code() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def _by_code(api: Stage, code: str) -> dict[str, Any] | None:
    return next((d for d in ok(api.members.get("/v1/departments", params={"limit": 500})) if d["code"] == code), None)


def _department(api: Stage, **given: Any) -> dict[str, Any]:
    """A department of the demo tenant's, made through members' own API."""
    body = {"code": _code(), "name": "Avdeling Test", "workplaces": ["Testverket AS"], **given}
    return dict(ok(api.members.post("/v1/departments", json=body), 201))


def test_an_administrator_adds_a_department_and_sets_its_email(admin: Any, console: str, api: Stage) -> None:
    page = admin
    code = _code()
    assert page.is_visible("#card-departments a[href='/admin/departments']")  # the overview's card
    page.click("nav.admin-nav a[href='/admin/departments']")
    page.wait_for_selector("#departments-table")
    page.click("#new-department")
    page.fill("#d-code", code)
    page.fill("#d-name", "Avdeling 9 Tromsø")
    page.fill("#d-workplaces", "Ishavsbygg AS\n\n  Polarfisk AS  \n")
    page.click("#department-save")
    page.wait_for_url("**/admin/departments/*?created=1")
    assert "Department created" in page.inner_text("#saved")
    made = _by_code(api, code)
    assert made is not None
    assert (made["name"], made["email"], made["workplaces"]) == (
        "Avdeling 9 Tromsø",
        None,
        ["Ishavsbygg AS", "Polarfisk AS"],
    )
    assert page.url.split("/admin/departments/")[1].startswith(made["id"])
    page.goto(console + "/admin/departments")
    row = page.inner_text(f"#department-{made['id']}")
    assert "No address: forwards are refused" in row and code in row and "2" in row

    # Its case workers' address: set on its page, read back from members.
    page.click(f"#department-{made['id']} a")
    page.fill("#d-email", "saksbehandler.tromso@avdeling.example.org")
    assert submit(page, "#department-form", "#department-save") == 200
    assert page.is_visible("#department-form #saved")
    now = ok(api.members.get(f"/v1/departments/{made['id']}"))
    assert now["email"] == "saksbehandler.tromso@avdeling.example.org"
    assert (now["name"], now["code"], now["workplaces"]) == (made["name"], code, made["workplaces"])
    page.goto(console + "/admin/departments")
    assert "saksbehandler.tromso@avdeling.example.org" in page.inner_text(f"#department-{made['id']}")

    # An emptied field clears the address (the hint says so); members keeps none.
    page.goto(console + f"/admin/departments/{made['id']}")
    assert "clears the address" in page.inner_text("#d-email-hint")
    page.fill("#d-email", "")
    assert submit(page, "#department-form", "#department-save") == 200
    assert ok(api.members.get(f"/v1/departments/{made['id']}"))["email"] is None


def test_an_email_that_is_not_an_address_is_refused_beside_its_field(admin: Any, console: str, api: Stage) -> None:
    page = admin
    department = _department(api, email="case.worker@example.org")
    url = f"/v1/departments/{department['id']}"
    page.goto(console + f"/admin/departments/{department['id']}")
    page.fill("#d-name", "Avdeling Omdøpt")
    page.fill("#d-email", "not an address")
    assert submit(page, "#department-form", "#department-save") == 422
    assert page.get_attribute("#d-email", "aria-invalid") == "true"
    assert "Not an email address" in page.inner_text("#err-email")
    assert "err-email" in (page.get_attribute("#d-email", "aria-describedby") or "")
    assert page.input_value("#d-email") == "not an address"  # the form keeps what was typed
    assert ok(api.members.get(url)) == department  # nothing changed, not the name either

    # A new department with such an address: refused beside the field, nothing created.
    code = _code()
    page.goto(console + "/admin/departments/new")
    page.fill("#d-code", code)
    page.fill("#d-name", "Avdeling Feil")
    page.fill("#d-email", "two@example.org, three@example.org")
    assert submit(page, "#department-form", "#department-save") == 422
    assert page.is_visible("#err-email")
    assert _by_code(api, code) is None


def test_a_code_another_department_has_is_refused_beside_the_code(admin: Any, console: str, api: Stage) -> None:
    page = admin
    first, second = _department(api), _department(api)
    page.goto(console + f"/admin/departments/{second['id']}")
    page.fill("#d-code", first["code"])
    assert submit(page, "#department-form", "#department-save") == 409
    assert page.get_attribute("#d-code", "aria-invalid") == "true"
    assert "Another department has this code" in page.inner_text("#err-code")
    assert page.is_visible("#conflict")
    assert ok(api.members.get(f"/v1/departments/{second['id']}"))["code"] == second["code"]


def test_a_change_made_meanwhile_survives_and_the_same_field_is_refused_in_words(
    admin: Any, console: str, api: Stage
) -> None:
    page = admin
    department = _department(api, email="before@example.org")
    url = f"/v1/departments/{department['id']}"
    page.goto(console + f"/admin/departments/{department['id']}")

    # Someone else renames it meanwhile; this page changes only the address.
    ok(api.members.patch(url, json={"name": "Renamed Elsewhere"}))
    page.fill("#d-email", "mine@example.org")
    assert submit(page, "#department-form", "#department-save") == 200
    now = ok(api.members.get(url))
    assert (now["name"], now["email"]) == ("Renamed Elsewhere", "mine@example.org")  # the page's old name not sent
    assert page.input_value("#d-name") == "Renamed Elsewhere"

    # Someone else changes the address too; this page's change of it is refused, in words.
    ok(api.members.patch(url, json={"email": "theirs@example.org"}))
    page.fill("#d-email", "again.mine@example.org")
    assert submit(page, "#department-form", "#department-save") == 409
    assert "Someone else changed Case workers' email" in page.inner_text("#stale")
    assert ok(api.members.get(url))["email"] == "theirs@example.org"
    assert page.input_value("#d-email") == "theirs@example.org"  # the form shows what is there now


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_agents_and_supervisors_are_refused_the_departments(browser: Any, console: str, api: Stage, role: str) -> None:
    department = _department(api)
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Ola Lysebu", role=role)
        for path in ("/admin/departments", "/admin/departments/new", f"/admin/departments/{department['id']}"):
            response = page.goto(console + path)
            assert response is not None and response.status == 403, path
            assert "for administrators" in page.inner_text("#refused-admin")
    finally:
        context.close()
    desk = Desk(console, "Ola Lysebu", role=role)
    try:
        changed = desk.post(f"/admin/departments/{department['id']}", {"email": "sneaky@example.org", "original": "{}"})
        assert changed.status_code == 403
        created = desk.post("/admin/departments", {"code": _code(), "name": "Sneaky"})
        assert created.status_code == 403
    finally:
        desk.close()
    assert ok(api.members.get(f"/v1/departments/{department['id']}")) == department


def test_another_tenants_department_is_the_404_page(admin: Any, console: str, api: Stage) -> None:
    headers = {"Authorization": f"Bearer {mint_token(tenant_id=f'other-{uuid.uuid4().hex[:8]}', scopes='all')}"}
    with httpx.Client(base_url=api.url("members"), headers=headers, timeout=30) as theirs:
        body = {"code": "theirs", "name": "Theirs", "email": "theirs@example.org"}
        department = ok(theirs.post("/v1/departments", json=body), 201)
        page = admin
        for path in (f"/admin/departments/{department['id']}", "/admin/departments/not-an-id"):
            response = page.goto(console + path)
            assert response is not None and response.status == 404, path
            assert "Not found" in page.inner_text("h1")
        desk = Desk(console, "Kari Nordmann", role="administrator")
        try:
            changed = desk.post(
                f"/admin/departments/{department['id']}", {"email": "mine@example.org", "original": "{}"}
            )
            assert changed.status_code == 404 and "not there" in changed.text
        finally:
            desk.close()
        assert ok(theirs.get(f"/v1/departments/{department['id']}"))["email"] == "theirs@example.org"


def test_with_members_down_the_departments_say_so(browser: Any, platform: Stage, tmp_path: Path) -> None:
    department = _department(platform)
    settings = console_settings(platform, tmp_path, members_url=dead_url())
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, "Kari Nordmann", role="administrator", start="/admin")
            assert "members service is not answering" in page.inner_text("#part-departments")
            assert "people" in page.inner_text("#part-staff")  # agents answers
            for path, heading in (
                ("/admin/departments", "Departments"),
                (f"/admin/departments/{department['id']}", "Department"),
            ):
                response = page.goto(base + path)
                assert response is not None and response.status == 503, path
                assert "members service is not answering" in page.inner_text("main"), path
                # said on the page itself (not the console's general "down" page): its heading and the admin nav
                assert page.inner_text("h1") == heading and page.is_visible("nav.admin-nav"), path
            page.goto(base + "/admin/departments/new")
            page.fill("#d-code", _code())
            page.fill("#d-name", "Nowhere")
            assert submit(page, "#department-form", "#department-save") == 503
            assert "Nothing was saved" in page.inner_text("#department-form")
        finally:
            context.close()


def test_the_departments_pass_axe_core(admin: Any, console: str, api: Stage) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make browser installs it)")
    page = admin
    department = _department(api, email="case.worker@example.org")
    for path in ("/admin", "/admin/departments", "/admin/departments/new", f"/admin/departments/{department['id']}"):
        response = page.goto(console + path)
        assert response is not None and response.status == 200, path
        assert axe_violations(page) == [], path
    page.fill("#d-email", "not an address")
    assert submit(page, "#department-form", "#department-save") == 422
    assert axe_violations(page) == [], "a department with a refused value"
