"""A service that is down spoils only the part of the page that needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_helpers import INVOICES, Stage, console_settings, dead_url, ok, served_in_thread, sign_in, wait_for

from frontdoor_console.app import create_app


def test_with_members_down_calls_are_still_offered_taken_and_completed(
    browser: Any, platform: Stage, api: Stage, tmp_path: Path
) -> None:
    api.only_available(queue=INVOICES)
    settings = console_settings(platform, tmp_path, members_url=dead_url())
    call_id = ""
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, "Sindre Fjellheim")
            page.wait_for_selector(".colleagues")  # agents answers: the colleagues are there
            page.click("#go-available")
            wait_for(lambda: ok(api.routing.get(f"/v1/queues/{INVOICES}/stats"))["agents"]["available"] == 1)
            call_id = api.post_call("1")["call"]["call_id"]
            page.wait_for_selector("#accept-button")
            assert "members service is not answering" in page.inner_text(".offer")
            page.click("#accept-button")
            page.wait_for_selector("#call")
            assert "members service is not answering" in page.inner_text("#call")
            page.select_option("#complete-reason", "other")
            page.click("#complete-button")
            page.wait_for_selector("#call-done")
            assert ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["state"] == "completed"
        finally:
            context.close()
            if call_id:
                api.end_call(call_id)


def test_with_routing_down_the_desk_says_offers_cannot_arrive(browser: Any, platform: Stage, tmp_path: Path) -> None:
    settings = console_settings(platform, tmp_path, routing_url=dead_url())
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, "Ola Lysebu")
            page.wait_for_selector(".colleagues")
            status = page.wait_for_selector("#stream-status .down")
            assert "routing service is not answering" in status.inner_text()
            assert page.is_visible("#go-available")
        finally:
            context.close()
