"""Personal data in Chromium, on the platform's real processes: an administrator finds the demo
member, downloads her access report (JSON and the readable document), erases a member's
personal data (a member made for the test: the demo member serves the other tests) after typing
the member number, and watches the request complete in the list, every service's part done,
without reloading the page. axe-core on each page, with a refused value shown beside its field.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_helpers import AXE, Stage, axe_violations, ok, sign_in

DEMO_MEMBER_NUMBER = "1000017"


@pytest.fixture
def administrator(browser: Any, console: str) -> Iterator[Any]:
    """A Chromium page signed in as an administrator (in English)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        sign_in(page, console, "Kari Nordmann", role="administrator", start="/desk")
        yield page
    finally:
        context.close()


def _clean(page: Any, where: str) -> None:
    if AXE.exists():
        found = axe_violations(page)
        assert found == [], f"{where}: {found}"


def _find(page: Any, query: str) -> None:
    page.fill("#find-q", query)
    page.click("#find-submit")
    page.wait_for_selector("#found")


def test_an_administrator_downloads_a_report_and_erases_a_member(
    administrator: Any, console: str, api: Stage, tmp_path: Path
) -> None:
    page = administrator
    page.click("header.top nav a[href='/privacy']")
    page.wait_for_selector("#find-member")
    _clean(page, "/privacy")

    # the demo member's access report, as JSON and as the readable document
    _find(page, DEMO_MEMBER_NUMBER)
    _clean(page, "/privacy?q=")
    page.click("#found a")
    page.wait_for_selector("#member-card")
    assert page.inner_text("#card-number") == DEMO_MEMBER_NUMBER
    _clean(page, "a member's card")
    with page.expect_download() as info:
        page.click("#report-json")
    saved = tmp_path / "report.json"
    info.value.save_as(saved)
    report = json.loads(saved.read_text())
    assert {i["service"] for i in report["items"]} >= {"members"}
    assert any(DEMO_MEMBER_NUMBER in json.dumps(i["item"]) for i in report["items"])
    with page.expect_download() as info:
        page.click("#report-html")
    readable = tmp_path / "report.html"
    info.value.save_as(readable)
    assert "Solbakken" in readable.read_text()

    # a member of the test's own is erased
    number = str(random.randint(10**8, 10**9 - 1))
    member = ok(
        api.members.post("/v1/members", json={"first_name": "Ella", "last_name": "Glemt", "member_number": number}),
        201,
    )
    page.goto(console + "/privacy")
    _find(page, number)
    page.click(f"#candidate-{member['id']} a")
    page.wait_for_selector("#member-card")
    page.click("#erase-start")
    page.wait_for_selector("#erase-form")
    _clean(page, "the erasure's confirmation")
    page.fill("#erase-number", number[::-1] if number[::-1] != number else "1")
    page.fill("#erase-note", "asked in writing")
    page.eval_on_selector("#erase-form", "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#erase-submit")
    assert answer.value.status == 422
    page.wait_for_selector("#erase-form:not([data-stale]) #err-member_number")
    assert page.get_attribute("#erase-number", "aria-invalid") == "true"
    assert page.input_value("#erase-note") == "asked in writing"
    _clean(page, "the confirmation with a wrong number")
    assert member["id"] not in {e["member_id"] for e in ok(api.members.get("/v1/erasures"))["items"]}

    page.fill("#erase-number", number)
    page.click("#erase-submit")
    page.wait_for_url(re.compile(r".*/privacy/erasures\?requested=[0-9a-f-]{36}$"))
    erasure_id = page.url.rsplit("=", 1)[1]
    assert page.is_visible(f"#erasure-{erasure_id}")
    _clean(page, "the erasure requests")
    # the list asks again by itself until every service has done its part
    page.wait_for_selector(f"#erasure-status-{erasure_id}:has-text('Completed')", timeout=90_000)
    parts = page.locator(f"#erasure-{erasure_id} tbody tr")
    assert parts.count() >= 5
    assert page.locator(f"#erasure-{erasure_id} tbody tr.part-pending").count() == 0
    listed = next(e for e in ok(api.members.get("/v1/erasures"))["items"] if e["erasure_id"] == erasure_id)
    assert listed["member_id"] == member["id"] and listed["status"] == "completed"
    _clean(page, "a completed erasure")


def test_the_retention_form_shows_a_refused_window_beside_its_field(
    administrator: Any, console: str, api: Stage
) -> None:
    page = administrator
    before = ok(api.members.get("/v1/retention"))["windows"]
    page.goto(console + "/privacy/retention")
    page.wait_for_selector("#retention-form")
    _clean(page, "/privacy/retention")
    page.fill("#r-survey_answers", "0")
    page.eval_on_selector("#retention-form", "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#retention-save")
    assert answer.value.status == 422
    page.wait_for_selector("#retention-form:not([data-stale]) #err-survey_answers")
    assert page.get_attribute("#r-survey_answers", "aria-invalid") == "true"
    _clean(page, "retention with a refused window")
    assert ok(api.members.get("/v1/retention"))["windows"] == before
