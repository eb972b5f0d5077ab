"""The planning page with routing down, and its forms without script (plain posts, CSRF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_helpers import Desk, Stage, console_settings, dead_url, served_in_thread, sign_in

from frontdoor_console.app import create_app


def test_with_routing_down_the_planning_page_says_so_and_the_rest_works(
    browser: Any, platform: Stage, tmp_path: Path
) -> None:
    settings = console_settings(platform, tmp_path, routing_url=dead_url())
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, "Kari Nordmann", role="team_lead", start="/planning")
            assert page.url.endswith("/planning")
            page.click("#erlang-submit")
            note = page.wait_for_selector("#erlang-part .down")
            assert "routing service is not answering" in note.inner_text()
            page.click("#day-submit")
            note = page.wait_for_selector("#day-part .down")
            assert "routing service is not answering" in note.inner_text()
            assert page.is_visible("#erlang-form") and page.is_visible("#day-form")  # the forms stay
            response = page.goto(base + "/team")  # the rest of the console works
            assert response is not None and response.status == 200
            assert page.is_visible("#workload-table")
        finally:
            context.close()


def test_the_forms_work_as_plain_posts_and_refuse_a_post_without_the_csrf_token(console: str) -> None:
    desk = Desk(console, "Kari Nordmann", role="supervisor")
    try:
        form = {"model": "c", "calls_per_interval": "100", "aht_seconds": "180", "target_seconds": "20"}
        form["service_level"] = "80"
        plain = desk.http.post("/planning/erlang", data={**form, "csrf_token": desk.csrf})
        assert plain.status_code == 200
        assert "<h1>Planning</h1>" in plain.text and 'id="required-agents"' in plain.text  # the whole page
        forged = desk.http.post("/planning/erlang", data=form)
        assert forged.status_code == 403
        bad = desk.post("/planning/day", {"start": "25:00", "calls": "10", "aht_seconds": "180"})
        assert bad.status_code == 422
        assert 'id="day-start-error"' in bad.text and "<h1>" not in bad.text  # htmx: the form's part only
        assert 'id="day-target_seconds-error"' in bad.text  # left empty: every field's problem at once
    finally:
        desk.close()
