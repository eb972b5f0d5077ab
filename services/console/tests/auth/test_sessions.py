"""Sessions and forms under attack: CSRF, expiry, a second desk, another agent's offer."""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from console_helpers import INVOICES, Desk, Stage, console_settings, ok, served_in_thread, sign_in, wait_for

from frontdoor_common.clock import ManualClock
from frontdoor_console.app import create_app


def test_a_state_changing_request_needs_the_sessions_csrf_token(console: str, api: Stage) -> None:
    desk = Desk(console, "Ola Lysebu")
    try:
        away = {"presence": "away", "reason": "meeting"}
        no_token = desk.http.post("/desk/status", data=away, headers={"HX-Request": "true"})
        forged = desk.post("/desk/status", away, **{"X-CSRF-Token": "forged"})
        other_site = desk.post("/desk/status", away, Origin="https://evil.example")
        assert [r.status_code for r in (no_token, forged, other_site)] == [403, 403, 403]
        assert "did not come from a page of this session" in forged.text
        accepted = desk.post("/desk/status", away)
        assert accepted.status_code == 200 and "Away" in accepted.text
        # The token of one session is no good in another.
        second = Desk(console, "Ola Lysebu")
        assert second.http.post("/desk/status", data=away, headers={"X-CSRF-Token": desk.csrf}).status_code == 403
        # Signing out is a form too.
        assert desk.http.post("/signout").status_code == 403
        assert desk.post("/signout").status_code == 303
        assert desk.http.get("/desk").status_code == 303
        second.close()
    finally:
        desk.close()


def test_the_sign_in_form_is_protected_and_names_only_this_tenants_staff(console: str) -> None:
    with httpx.Client(base_url=console) as client:
        # No sign-in form token (login CSRF): refused.
        assert client.post("/signin/dev", data={"agent_id": "x", "signin_token": "x"}).status_code == 403
        page = client.get("/signin")
        token = page.text.split('name="signin_token" value="')[1].split('"')[0]
        stranger = "00000000-0000-4000-8000-00000000dead"
        answer = client.post("/signin/dev", data={"agent_id": stranger, "signin_token": token, "role": "agent"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?error=")
        assert "fd_session" not in answer.headers.get("set-cookie", "")
        # Where to go afterwards is a path on this site, never another site.
        agent = page.text.split('name="agent_id" value="')[1].split('"')[0]
        page = client.get("/signin")
        token = page.text.split('name="signin_token" value="')[1].split('"')[0]
        signed = client.post("/signin/dev", data={"agent_id": agent, "signin_token": token, "next": "//evil.example/x"})
        assert signed.headers["location"] == "/desk"


def test_an_expired_session_goes_to_sign_in_and_back(browser: Any, platform: Stage, tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(UTC))
    settings = console_settings(platform, tmp_path, session_idle_minutes=30)
    with served_in_thread(create_app(settings, clock=clock)) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            sign_in(page, base, "Kari Nordmann", role="supervisor", start="/wallboard?big=1", language=None)
            assert page.url.endswith("/wallboard?big=1")
            page.goto(base + "/desk")
            page.wait_for_selector(".colleagues")
            clock.advance(minutes=31)
            # An htmx action: the console answers HX-Redirect, the page goes to sign in ...
            page.click("#go-available")
            page.wait_for_url("**/signin?next=/desk")
            # ... and back to the desk after signing in.
            page.get_by_label("Kari Nordmann").check()
            page.select_option("#role", "supervisor")
            page.click("form[action='/signin/dev'] button[type=submit]")
            page.wait_for_url("**/desk")
            # An open page's stream notices the end of its session by itself.
            page.goto(base + "/wallboard?big=1")
            page.wait_for_selector("#board-table")
            clock.advance(minutes=31)
            page.wait_for_url("**/signin?next=*wallboard*big*", timeout=15000)
        finally:
            context.close()


def test_two_desks_accepting_one_offer_one_gets_the_call_the_other_is_told_it_moved_on(
    console: str, api: Stage
) -> None:
    api.only_available("Sindre", queue=INVOICES)
    kari = Desk(console, "Kari Nordmann")
    kari_again = Desk(console, "Kari Nordmann")
    sindre = Desk(console, "Sindre Fjellheim")
    call_id = ""
    try:
        call_id = api.post_call("1")["call"]["call_id"]
        view = wait_for(lambda: (v := ok(api.routing.get(f"/v1/calls/{call_id}")))["offer_id"] and v)
        # Sindre lets it go back to the queue; then only Kari is free, and it is offered to her.
        rejected = sindre.post(f"/desk/offers/{view['offer_id']}/reject", {"call_id": call_id})
        assert rejected.status_code == 200 and "back to the queue" in rejected.text
        first = view["offer_id"]
        api.only_available("Kari")
        view = wait_for(
            lambda: (v := ok(api.routing.get(f"/v1/calls/{call_id}")))["offer_id"] not in (None, first) and v,
            timeout=30,
        )
        assert view["call"]["agent_id"] == kari.agent_id
        offer = f"/desk/offers/{view['offer_id']}/accept"
        # Another agent cannot take Kari's offer (routing itself would let any desk token do it).
        stolen = sindre.post(offer, {"call_id": call_id})
        assert stolen.status_code == 409 and "not offered to you" in stolen.text
        # Kari's two desks accept at once: one gets the call, the other is told in words.
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda d: d.post(offer, {"call_id": call_id}), (kari, kari_again)))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 409)
        assert "moved on" in loser.text or "no longer open" in loser.text
        assert ok(api.routing.get(f"/v1/calls/{call_id}"))["call"]["agent_id"] == kari.agent_id
        # A stale page completing a call that has moved on changes nothing.
        api.end_call(call_id)
        stale = kari.post(f"/desk/calls/{call_id}/complete", {"reason": "other", "resolution": "resolved"})
        assert stale.status_code == 409 and "moved on" in stale.text
    finally:
        for desk in (kari, kari_again, sindre):
            desk.close()
        if call_id:
            api.end_call(call_id)
