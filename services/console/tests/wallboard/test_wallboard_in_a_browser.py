"""The supervisor's wallboard in Chromium: pushed over server-sent events, never reloaded."""

from __future__ import annotations

from typing import Any

from console_helpers import OTHER, Stage, ok, sign_in, until, wait_for


def test_the_wallboard_counts_a_new_waiting_call_and_alerts_under_target_without_a_reload(
    browser: Any, console: str, api: Stage
) -> None:
    api.only_available(queue=OTHER)  # nobody takes calls in "everything else"
    ok(api.routing.patch(f"/v1/queues/{OTHER}", json={"service_level_seconds": 1}))
    context = browser.new_context()
    page = context.new_page()
    call_id = ""
    try:
        sign_in(page, console, "Kari Nordmann", role="supervisor", start="/wallboard")
        assert page.url.endswith("/wallboard")
        row = f"#queue-{OTHER}"
        page.wait_for_selector(f"{row} .waiting")
        assert page.is_visible(f"{row} .callbacks-due")  # callbacks due and at risk, from the callbacks service
        before = int(page.get_attribute(f"{row} .waiting", "data-waiting") or 0)
        page.evaluate("window.stayed = true")  # gone if the page is ever reloaded

        call_id = api.post_call("3")["call"]["call_id"]
        until(page, f"Number(document.querySelector('{row} .waiting').dataset.waiting) === {before + 1}")
        assert page.evaluate("window.stayed === true")

        # Astrid answers after the 1 s target: the queue is under target, and the wall says so.
        page.wait_for_timeout(1200)
        staff = api.only_available("Astrid")  # she is offered the waiting call at once
        offered = wait_for(lambda: ok(api.routing.get(f"/v1/calls/{call_id}")).get("offer_id"))
        ok(api.routing.post(f"/v1/offers/{offered}/accept"))
        page.wait_for_selector(f"{row}.under", timeout=15000)
        assert page.is_visible("#alerts .alert")
        assert page.evaluate("window.stayed === true")
        assert staff["Astrid"]
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)
        ok(api.routing.patch(f"/v1/queues/{OTHER}", json={"service_level_seconds": 20}))


def test_the_wallboard_has_a_big_screen_mode(browser: Any, console: str, api: Stage) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        sign_in(page, console, "Kari Nordmann", role="team_lead", start="/wallboard")
        page.click("text=Big-screen mode")
        page.wait_for_selector("body.big #board-table")
        assert page.query_selector("header.top") is None
    finally:
        context.close()


def test_a_supervisor_page_refuses_an_agent(browser: Any, console: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Ola Lysebu", role="agent")
        response = page.goto(console + "/wallboard")
        assert response is not None and response.status == 403
        assert "for supervisors" in page.inner_text("main")
        assert page.query_selector("a[href='/wallboard']") is None  # not offered in the navigation either
        events = page.request.get(console + "/wallboard/events")
        assert events.status == 403
    finally:
        context.close()
