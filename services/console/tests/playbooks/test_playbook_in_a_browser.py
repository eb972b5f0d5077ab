"""Issue 15's first slice in Chromium: an administrator sets a reason's playbook, an agent in a
call chooses the reason, reads its steps and transfers the call to its fixed number in one step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_helpers import (
    INVOICES,
    WAGES,
    Stage,
    axe_violations,
    console_settings,
    dead_url,
    ok,
    served_in_thread,
    sign_in,
    wait_for,
)

from frontdoor_console.app import create_app

STEPS = ["Take the claim number and the date of the damage", "Transfer the member to the insurer"]


def _submit(page: Any, button: str) -> int:
    """Click a button of the playbook form; the status of the answer, once htmx has put it in place."""
    page.eval_on_selector("#playbook", "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click(button)
    page.wait_for_selector("#playbook:not([data-stale])")
    return int(info.value.status)


def test_an_administrators_playbook_guides_the_agent_to_a_one_step_transfer(
    browser: Any, console: str, api: Stage
) -> None:
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    call_id = ""
    try:
        # The administrator opens the insurance reason's playbook from the reasons page.
        page = admin.new_page()
        sign_in(page, console, "Kari Nordmann", role="administrator", start="/admin")
        page.goto(console + "/admin/reasons")
        page.click("#playbook-link-insurance")
        page.wait_for_selector("#playbook-form")
        assert page.input_value("#pb-steps") == ""  # none yet
        # A number members cannot read is refused beside its field; nothing is stored.
        page.fill("#pb-steps", "\n".join(STEPS))
        page.fill("#pb-number", "12")
        assert _submit(page, "#playbook-save") == 422
        assert page.get_attribute("#pb-number", "aria-invalid") == "true"
        assert page.is_visible("#err-transfer_number")
        ok(api.members.get("/v1/playbooks/insurance"), 404)
        page.fill("#pb-number", "22 33 44 55")
        page.fill("#pb-ask-first", "Do you have the claim number at hand?")
        assert _submit(page, "#playbook-save") == 200
        assert page.is_visible("#saved")
        stored = ok(api.members.get("/v1/playbooks/insurance"))
        assert stored["steps"] == STEPS and stored["transfer_number"] == "+4722334455"
        assert page.input_value("#pb-number") == "+4722334455"  # the form shows what members keeps
        assert axe_violations(page) == []

        # An agent in a call chooses the reason: the steps, the question, the one-step transfer.
        api.only_available("Ingrid", queue=WAGES)
        agent = desk.new_page()
        sign_in(agent, console, "Ingrid Bakkevold")
        call_id = api.post_call("2")["call"]["call_id"]
        agent.wait_for_selector("#accept-button", timeout=15000)
        agent.click("#accept-button")
        agent.wait_for_selector("#playbook-panel")
        agent.select_option("#playbook-reason", "insurance")
        agent.wait_for_selector("#playbook-steps")
        assert agent.locator("#playbook-steps li").all_inner_texts() == STEPS
        assert "Do you have the claim number at hand?" in agent.inner_text("#playbook-ask-first")
        assert agent.inner_text("#playbook-transfer") == "Transfer to +4722334455"
        assert agent.input_value("#complete-reason") == "insurance"  # the complete form follows
        assert axe_violations(agent) == []
        # Another reason without a playbook says so.
        agent.select_option("#playbook-reason", "media")
        agent.wait_for_selector("#playbook-none")
        assert agent.input_value("#complete-reason") == "media"
        agent.select_option("#playbook-reason", "insurance")
        agent.wait_for_selector("#playbook-transfer")
        agent.click("#playbook-transfer")
        assert "+4722334455" in agent.wait_for_selector("#call-transferred").inner_text()
        moved = ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]
        # routing keeps no number for a transfer out: it says the call went out, transferred
        assert moved["transferred"] and moved["resolution"] == "transferred"
        assert moved["state"] in ("wrap_up", "completed") and moved["transfers"] == 0  # out, not to a queue

        # The administrator removes the playbook; the reason stays.
        assert _submit(page, "#playbook-remove") == 200
        assert page.is_visible("#removed") and page.input_value("#pb-steps") == ""
        ok(api.members.get("/v1/playbooks/insurance"), 404)
        assert "insurance" in ok(api.members.get("/v1/tenant/settings"))["reasons"]
        page.goto(console + "/admin/reasons/no_such_reason/playbook")
        assert page.locator("h1").inner_text() != ""  # the 404 page, not a form
        assert page.query_selector("#playbook-form") is None
    finally:
        admin.close()
        desk.close()
        api.members.delete("/v1/playbooks/insurance")
        if call_id:
            api.end_call(call_id)


def test_with_members_down_the_playbook_panel_says_so_and_the_call_completes(
    browser: Any, platform: Stage, api: Stage, tmp_path: Path
) -> None:
    api.only_available("Sindre", queue=INVOICES)
    settings = console_settings(platform, tmp_path, members_url=dead_url())
    call_id = ""
    with served_in_thread(create_app(settings)) as base:
        context = browser.new_context()
        other = browser.new_context()  # the administrator's session
        page = context.new_page()
        try:
            sign_in(page, base, "Sindre Fjellheim")
            call_id = api.post_call("1")["call"]["call_id"]
            page.wait_for_selector("#accept-button", timeout=15000)
            page.click("#accept-button")
            page.wait_for_selector("#playbook-panel")
            page.select_option("#playbook-reason", "insurance")
            assert "members service is not answering" in page.wait_for_selector("#playbook-result .down").inner_text()
            page.select_option("#complete-reason", "other")
            page.click("#complete-button")
            page.wait_for_selector("#call-done")
            wait_for(lambda: ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["state"] == "completed" or None)
            # The administrator's playbook page says members is down (503), and offers no form.
            admin = other.new_page()
            sign_in(admin, base, "Kari Nordmann", role="administrator", start="/admin")
            answer = admin.goto(base + "/admin/reasons/insurance/playbook")
            assert answer is not None and answer.status == 503
            assert "members service is not answering" in admin.inner_text("main")
            assert admin.query_selector("#playbook-form") is None
        finally:
            context.close()
            other.close()
            if call_id:
                api.end_call(call_id)
