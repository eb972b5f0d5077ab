"""Issue 15's media playbook in Chromium: an administrator sets "consult first" and the press
contact (a bad number refused beside its field); an agent in a call about media is told to ask
who the caller wants to reach and consult them, and without a name transfers to the press
contact in one step."""

from __future__ import annotations

from typing import Any

from console_helpers import WAGES, Stage, axe_violations, ok, sign_in


def _submit(page: Any, button: str) -> int:
    page.eval_on_selector("#playbook", "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click(button)
    page.wait_for_selector("#playbook:not([data-stale])")
    return int(info.value.status)


def test_the_media_playbook_says_consult_first_and_transfers_to_the_press_contact(
    browser: Any, console: str, api: Stage
) -> None:
    admin = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    call_id = ""
    try:
        page = admin.new_page()
        sign_in(page, console, "Kari Nordmann", role="administrator", start="/admin")
        page.goto(console + "/admin/reasons/media/playbook")
        page.wait_for_selector("#playbook-form")
        page.check("#pb-consult-first")
        page.fill("#pb-fallback-name", "Siri Hauge, press officer")
        page.fill("#pb-fallback-number", "12")
        assert _submit(page, "#playbook-save") == 422
        assert page.get_attribute("#pb-fallback-number", "aria-invalid") == "true"
        described = str(page.get_attribute("#pb-fallback-number", "aria-describedby"))
        assert "err-fallback_contact-number" in described.split()
        assert page.is_visible("#err-fallback_contact-number")
        ok(api.members.get("/v1/playbooks/media"), 404)  # nothing stored
        assert page.is_checked("#pb-consult-first")  # the form keeps what was written
        page.fill("#pb-fallback-number", "22 99 88 77")
        assert _submit(page, "#playbook-save") == 200
        stored = ok(api.members.get("/v1/playbooks/media"))
        assert stored["consult_first"] is True
        assert stored["fallback_contact"] == {"name": "Siri Hauge, press officer", "number": "+4722998877"}
        assert page.is_checked("#pb-consult-first") and page.input_value("#pb-fallback-number") == "+4722998877"
        assert axe_violations(page) == []

        api.only_available("Ingrid", queue=WAGES)
        agent = desk.new_page()
        sign_in(agent, console, "Ingrid Bakkevold")
        call_id = api.post_call("2")["call"]["call_id"]
        agent.wait_for_selector("#accept-button", timeout=15000)
        agent.click("#accept-button")
        agent.wait_for_selector("#playbook-panel")
        agent.select_option("#playbook-reason", "media")
        agent.wait_for_selector("#playbook-consult-first")
        assert "consult them before transferring" in agent.inner_text("#playbook-consult-first")
        assert "Siri Hauge, press officer, +4722998877" in agent.inner_text("#playbook-fallback")
        assert axe_violations(agent) == []
        agent.click("#playbook-fallback-transfer")
        assert "+4722998877" in agent.wait_for_selector("#call-transferred").inner_text()
        moved = ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]
        assert moved["transferred"] and moved["resolution"] == "transferred"
    finally:
        admin.close()
        desk.close()
        api.members.delete("/v1/playbooks/media")
        if call_id:
            api.end_call(call_id)
