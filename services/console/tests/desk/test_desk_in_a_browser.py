"""The agent desk in Chromium, against the platform's processes (as `make run` starts them)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from console_helpers import MEMBER_NUMBER, OTHER, WAGES, Stage, ok, sign_in, wait_for

from frontdoor_members.identity.national_id import fodselsnummer_for

INGRID_NATIONAL_ID = fodselsnummer_for("150385")  # the demo member Ingrid Solbakken's


def test_an_agent_takes_a_call_from_offer_to_completion(browser: Any, console: str, api: Stage) -> None:
    staff = api.only_available("Ingrid", queue=WAGES)
    ok(api.agents.put(f"/v1/agents/{staff['Ingrid']}/presence", json={"presence": "away", "reason": "meeting"}))
    context = browser.new_context()
    page = context.new_page()
    call_id = ""
    try:
        sign_in(page, console, "Ingrid Bakkevold")
        assert page.url.endswith("/desk")
        # Goes available on the desk; routing sees it.
        page.click("#go-available")
        page.wait_for_selector("#my-state.state-available")
        wait_for(lambda: ok(api.routing.get(f"/v1/queues/{WAGES}/stats"))["agents"]["available"] == 1)

        # The CTI posts a call from a member's number: the offer pops up with the member's name.
        posted = api.post_call("2", MEMBER_NUMBER)
        call_id = posted["call"]["call_id"]
        offer = page.wait_for_selector(".offer", timeout=15000)
        assert MEMBER_NUMBER in offer.inner_text()
        assert "Ingrid Solbakken" in page.inner_text("#offer-member")
        assert int(page.inner_text(".countdown")) <= 15

        # Accept with the keyboard; the call panel replaces the offer.
        page.keyboard.press("Alt+a")
        page.wait_for_selector("#call")
        assert ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["state"] == "answered"
        assert "Ingrid Solbakken" in page.inner_text("#call-member")
        assert page.query_selector("#national-id") is None  # nothing personal before verification

        # A wrong national ID is refused (and counted), the right one verifies.
        page.fill("#vm-national-id", fodselsnummer_for("010190"))
        page.click("#verify-member button")
        page.wait_for_selector("#verify-panel .problem")
        assert "2 attempts left" in page.inner_text("#verify-panel")
        page.fill("#vm-national-id", INGRID_NATIONAL_ID)
        page.click("#verify-member button")
        page.wait_for_selector("#verified-level")

        # The national ID is shown on request; members audits the read.
        page.click("#reveal-button")
        assert page.wait_for_selector("#national-id").inner_text() == INGRID_NATIONAL_ID
        member_id = posted["call"]["member_id"]
        reads = ok(api.members.get(f"/v1/members/{member_id}/audit"))
        assert any(r["subject"] == staff["Ingrid"] and "national_id" in r["fields"] for r in reads)

        # A remark in the dossier.
        page.fill("#remark-text", "Asked about the March invoice; the dues were explained.")
        page.click("#add-remark")
        page.wait_for_selector("#dossier-panel .ok")
        assert "the dues were explained" in page.inner_text(".dossier")

        # Complete with a reason from the tenant's list, by keyboard.
        page.select_option("#complete-reason", "dues_invoice")
        page.select_option("#complete-resolution", "resolved")
        page.keyboard.press("Alt+c")
        page.wait_for_selector("#call-done")
        done = ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]
        assert done["state"] == "completed"
        assert (done["contact_reason"], done["resolution"]) == ("dues_invoice", "resolved")
        log = ok(api.members.get(f"/v1/members/{member_id}/log"))["entries"]
        assert any(e["kind"] == "remark" and e["call_id"] == call_id for e in log)
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)


def test_an_agent_fixes_what_the_record_checks_find_and_transfers_the_call(
    browser: Any, console: str, api: Stage
) -> None:
    marte = "+4797865432"  # the demo member Marte Lindqvist: returned mail and no email
    api.only_available("Ingrid", queue=WAGES)
    context = browser.new_context()
    page = context.new_page()
    call_id = ""
    try:
        sign_in(page, console, "Ingrid Bakkevold")
        call_id = api.post_call("2", marte)["call"]["call_id"]
        page.wait_for_selector("#accept-button", timeout=15000)
        page.click("#accept-button")
        page.wait_for_selector("#checks-panel")
        assert page.is_visible("#check-returned_mail") and page.is_visible("#check-email_missing")
        assert page.query_selector("#fix-email") is None  # no fixing before verification
        page.fill("#vm-national-id", fodselsnummer_for("300891"))
        page.click("#verify-member button")
        page.wait_for_selector("#verified-level")
        page.fill("#fix-email", "marte.lindqvist@example.org")
        page.click("#check-email_missing button")
        page.wait_for_selector("#checks-panel .ok")
        page.fill("#fix-line1", "Elgeseter gate 10")
        page.fill("#fix-postal-code", "7030")
        page.fill("#fix-city", "Trondheim")
        page.click("#check-returned_mail button")
        page.wait_for_selector("#checks-panel >> text=Nothing to fix in the record.")
        member = ok(api.members.get(f"/v1/members/{ok(api.routing.get(f'/v1/calls/{call_id}'))['call']['member_id']}"))
        assert member["email"] == "marte.lindqvist@example.org" and member["returned_mail"] is False

        # A callback tomorrow morning, by Kari: agreed, and in nobody's list but hers.
        tomorrow = (datetime.now(ZoneInfo("Europe/Oslo")) + timedelta(days=1)).date().isoformat()
        page.fill("#callback-day", tomorrow)
        page.fill("#callback-start", "10:00")
        page.fill("#callback-end", "11:00")
        page.select_option("#callback-agent", label="Kari Nordmann")
        page.fill("#callback-reason", "The new address: confirm by letter")
        page.click("#callback-button")
        assert "Kari Nordmann" in page.wait_for_selector("#callback-agreed").inner_text()
        kari = api.people()["Kari"]
        theirs = ok(api.callbacks.get("/v1/callbacks", params={"agent_id": kari, "number": marte}))["items"]
        oslo_ten = datetime.combine(date.fromisoformat(tomorrow), time(10), ZoneInfo("Europe/Oslo"))
        assert [datetime.fromisoformat(c["window_start"]) for c in theirs] == [oslo_ten]  # the tenant's 10:00

        # A queue and a number at once: refused in the transfer panel, the call still on screen.
        page.select_option("#transfer-queue", OTHER)
        page.fill("#transfer-number", "+4722000000")
        page.click("#transfer-button")
        page.wait_for_selector("#transfer-result .problem")
        assert page.is_visible("#complete-form") and page.is_visible("#checks-panel")
        assert ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["transfers"] == 0
        page.fill("#transfer-number", "")

        # Transfer to another queue by keyboard: Alt+T goes to the queue choice.
        page.keyboard.press("Alt+t")
        assert page.evaluate("document.activeElement.id") == "transfer-queue"
        page.select_option("#transfer-queue", OTHER)
        page.click("#transfer-button")
        page.wait_for_selector("#call-transferred")
        moved = ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]
        assert moved["queue_id"] == OTHER and moved["transfers"] == 1
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)
