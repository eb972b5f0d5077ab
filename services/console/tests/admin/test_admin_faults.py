"""A service that is down spoils only the administration's part that needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_helpers import Stage, console_settings, dead_url, served_in_thread, sign_in

from frontdoor_console.app import create_app


def test_with_routing_down_the_queues_say_so_and_the_rest_works(browser: Any, platform: Stage, tmp_path: Path) -> None:
    settings = console_settings(platform, tmp_path, routing_url=dead_url())
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, "Kari Nordmann", role="administrator", start="/admin")
            assert "routing service is not answering" in page.inner_text("#part-queues")
            assert "people" in page.inner_text("#part-staff")  # agents answers
            response = page.goto(base + "/admin/queues")
            assert response is not None and response.status == 503
            assert "routing service is not answering" in page.inner_text("main")
            page.goto(base + "/admin/queues/new")
            page.fill("#q-name", "Nowhere")
            page.click("#queue-save")
            page.wait_for_selector("#queue-form .down")
            response = page.goto(base + "/admin/reasons")
            assert response is not None and response.status == 200
            assert page.is_visible("#reason-add")
            response = page.goto(base + "/admin/staff")
            assert response is not None and response.status == 200
            assert "Kari Nordmann" in page.inner_text("#staff-table")
            response = page.goto(base + "/team")  # another part of the console
            assert response is not None and response.status == 200
        finally:
            context.close()
