"""A call transferred at the desk to a named colleague, in Chromium against the platform's processes."""

from __future__ import annotations

from typing import Any

from console_helpers import INVOICES, WAGES, Stage, ok, sign_in, wait_for


def test_an_agent_transfers_a_call_to_a_named_colleague_who_takes_it_at_her_desk(
    browser: Any, console: str, api: Stage
) -> None:
    staff = api.only_available("Ingrid", queue=WAGES)
    ingrid_context, kari_context = browser.new_context(), browser.new_context()
    ingrid, kari = ingrid_context.new_page(), kari_context.new_page()
    call_id = ""
    try:
        sign_in(ingrid, console, "Ingrid Bakkevold")
        sign_in(kari, console, "Kari Nordmann", language=None)  # her desk is read by element ids only
        call_id = api.post_call("2")["call"]["call_id"]
        ingrid.wait_for_selector("#accept-button", timeout=15000)
        ingrid.click("#accept-button")
        ingrid.wait_for_selector("#call")

        # Kari (of other queues than the call's) goes available at her desk; routing sees her free.
        kari.click("#go-available")
        kari.wait_for_selector("#my-state.state-available")
        wait_for(lambda: ok(api.routing.get(f"/v1/queues/{INVOICES}/stats"))["agents"]["available"] == 1)

        # The colleague list is the colleagues panel's: everyone but Ingrid, with their status.
        options = ingrid.eval_on_selector_all("#transfer-colleague option", "els => els.map(e => e.value)")
        assert staff["Kari"] in options and staff["Ingrid"] not in options
        ingrid.select_option("#transfer-colleague", staff["Kari"])
        ingrid.click("#transfer-button")
        assert "offered to Kari Nordmann" in ingrid.wait_for_selector("#call-transferred").inner_text()
        offered = ok(api.routing.get(f"/v1/calls/{call_id}"))
        assert (offered["outcome"], offered["call"]["agent_id"]) == ("offered", staff["Kari"])

        # The offer pops up at Kari's desk alone; she takes it with her own (agent's) token.
        kari.wait_for_selector("#accept-button", timeout=15000)
        kari.click("#accept-button")
        kari.wait_for_selector("#call")
        taken = ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]
        assert (taken["state"], taken["agent_id"], taken["transfers"]) == ("answered", staff["Kari"], 1)
        assert taken["queue_id"] == WAGES  # it stays the call of the queue it came from
    finally:
        ingrid_context.close()
        kari_context.close()
        if call_id:
            api.end_call(call_id)
