"""axe-core on every page and state of the console: no serious or critical violations."""

from __future__ import annotations

from typing import Any

import pytest
from console_helpers import AXE, INVOICES, Stage, axe_violations, ok, sign_in, wait_for


def _clean(page: Any, where: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{where}: {found}"


def test_every_page_passes_axe_core(browser: Any, console: str, api: Stage) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make browser installs it)")
    api.only_available(queue=INVOICES)
    context = browser.new_context()
    page = context.new_page()
    call_id = ""
    try:
        page.goto(console + "/signin")
        _clean(page, "sign-in")
        sign_in(page, console, "Kari Nordmann", role="supervisor")
        page.wait_for_selector(".colleagues")
        _clean(page, "desk")
        page.click("#go-available")
        wait_for(lambda: ok(api.routing.get(f"/v1/queues/{INVOICES}/stats"))["agents"]["available"] == 1)
        call_id = api.post_call("1")["call"]["call_id"]
        page.wait_for_selector("#accept-button")
        _clean(page, "desk with an offer")
        page.click("#accept-button")
        page.wait_for_selector("#call")
        _clean(page, "desk in a call")
        page.goto(console + "/wallboard")
        page.wait_for_selector("#board-table")
        _clean(page, "wallboard")
        page.goto(console + "/wallboard?big=1")
        page.wait_for_selector("#board-table")
        _clean(page, "wallboard, big screen")
        page.goto(console + "/nowhere")
        _clean(page, "not found")
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Ola Lysebu", language="nb")
        page.wait_for_selector(".colleagues")
        _clean(page, "desk in Norwegian")
        page.goto(console + "/wallboard")
        _clean(page, "refused (403)")
    finally:
        context.close()
