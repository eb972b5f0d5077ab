"""`python -m frontdoor_console.screenshots [--out docs/screenshots]` (`make screenshots`).

Starts the platform with the console (as `make run`, on free ports, in a temporary folder),
plays the scenes a union's staff see, and saves them from Debian's Chromium:

- `desk-offer.png`: a member calls; the offer pops up with their name and the lease.
- `desk-call.png`: the call taken, the caller verified, the national ID shown, a remark written.
- `desk-nb.png`: the desk in Norwegian (bokmål).
- `wallboard.png` and `wallboard-big.png`: every queue live, one under its service-level target.
- `team.png`: the team lead's view, workload against target (charts from Chart.js).
- `planning.png`: the planner's day, agents needed per half hour (chart and table).
- `admin-queue.png`: an administrator editing a queue (IVR digit, target, overflow steps).
- `desk-forward.png`: a trouble enquiry forwarded to the department's case worker, the mail sent.
- `followups.png`: a supervisor's Follow-ups page, the member's deadline being watched.
- `desk-booking.png`: in the call, the member signed up for the demo course and the first free CV
  meeting with a counsellor of the member's department booked.
- `privacy.png`: an administrator's erasure of a member, every service's part reported (issue 17).
- `desk-email.png`: an agent on a call has taken a member's email beside it (the quarantined
  attachment marked) and writes the reply.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from frontdoor_console.stage import (
    CHROMIUM,
    INVOICES,
    MEMBER_NATIONAL_ID,
    MEMBER_NUMBER,
    OTHER,
    WAGES,
    Stage,
    ok,
    sign_in,
    staged,
    wait_for,
)


def _desk_scenes(stage: Stage, browser: Any, out: Path) -> None:
    stage.only_available("Kari", "Sindre", "Magnus")  # Ingrid goes available herself, at her desk
    context = browser.new_context(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
    page = context.new_page()
    base = stage.url("console")
    sign_in(page, base, "Ingrid Bakkevold")
    page.click("#go-available")
    page.wait_for_selector("#my-state.state-available")
    wait_for(lambda: ok(stage.routing.get(f"/v1/queues/{WAGES}/stats"))["agents"]["available"] == 1)
    stage.post_call("2", MEMBER_NUMBER)
    page.wait_for_selector("#accept-button", timeout=15000)
    page.wait_for_timeout(1500)  # the lease has counted down a little
    page.screenshot(path=str(out / "desk-offer.png"))
    page.click("#accept-button")
    page.wait_for_selector("#call")
    page.fill("#vm-national-id", MEMBER_NATIONAL_ID)
    page.click("#verify-member button")
    page.wait_for_selector("#verified-level")
    page.click("#reveal-button")
    page.wait_for_selector("#national-id")
    page.fill("#remark-text", "Asked about the March invoice; the dues were explained.")
    page.click("#add-remark")
    page.wait_for_selector("#dossier-panel .ok")
    page.select_option("#complete-reason", "dues_invoice")
    page.screenshot(path=str(out / "desk-call.png"), full_page=True)
    page.select_option("#playbook-reason", "trouble")
    page.wait_for_selector("#forward-form")
    page.fill("#forward-summary", "Dismissed on Friday after eleven years; asks whether the notice period was kept.")
    page.fill("#forward-deadline", (date.today() + timedelta(days=14)).isoformat())
    page.click("#forward-button")
    page.wait_for_selector("#forward-status[data-status='sent']", timeout=20000)
    page.locator("#forward-panel").screenshot(path=str(out / "desk-forward.png"))
    _booking_scene(stage, page, out)
    page.select_option("#complete-reason", "dues_invoice")
    page.click("#complete-button")
    page.wait_for_selector("#call-done")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 640}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, base, "Sindre Fjellheim", language="nb")
    page.wait_for_selector(".colleagues td")
    page.screenshot(path=str(out / "desk-nb.png"))
    context.close()


def _booking_scene(stage: Stage, page: Any, out: Path) -> None:
    """The demo course and the first free CV meeting, from the desk in the call (issue 16)."""
    found = ok(stage.members.get("/v1/members/lookup", params={"phone": MEMBER_NUMBER}))
    member = ok(stage.members.get(f"/v1/members/{found['candidates'][0]['member_id']}"))
    # The seeded CV meeting's counsellor Astrid holds them for the member's department.
    ok(stage.agents.patch(f"/v1/agents/{stage.people()['Astrid']}", json={"department_id": member["department_id"]}))
    page.wait_for_selector("#signup-form")
    page.select_option("#course-choice", index=1)
    page.click("#signup-button")
    page.wait_for_selector("#signup-done")
    page.eval_on_selector("#meeting-form", "el => { el.dataset.stale = '1'; }")
    page.select_option("#meeting-kind", "cv")  # the slots again, now with her
    page.wait_for_selector("#meeting-form:not([data-stale]) #slot-1")
    page.click("#book-button")
    page.wait_for_selector("#meeting-booked")
    page.locator(".booking-grid").screenshot(path=str(out / "desk-booking.png"))


def _wallboard_scenes(stage: Stage, browser: Any, out: Path) -> None:
    ok(stage.routing.patch(f"/v1/queues/{OTHER}", json={"service_level_seconds": 1}))
    stage.only_available(queue=OTHER)
    first = stage.post_call("3", "+4793456781")["call"]["call_id"]
    stage.post_call("3", "+4797712345")
    stage.post_call("1", "+4745678912")
    stage.post_call("1", None)
    context = browser.new_context(viewport={"width": 1440, "height": 600}, device_scale_factor=1)
    page = context.new_page()
    base = stage.url("console")
    sign_in(page, base, "Kari Nordmann", role="supervisor", start="/wallboard")
    page.wait_for_timeout(1500)
    stage.only_available("Astrid")  # she takes the longest waiting call, after the 1 s target
    offer = wait_for(lambda: ok(stage.routing.get(f"/v1/calls/{first}")).get("offer_id"))
    ok(stage.routing.post(f"/v1/offers/{offer}/accept"))
    page.wait_for_selector(f"#queue-{OTHER}.under", timeout=15000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / "wallboard.png"))
    context.close()
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, base, "Kari Nordmann", role="supervisor", start="/wallboard?big=1", language=None)
    page.wait_for_selector(f"#queue-{OTHER}.under", timeout=15000)
    page.screenshot(path=str(out / "wallboard-big.png"))
    context.close()


def _team_scene(stage: Stage, browser: Any, out: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, stage.url("console"), "Kari Nordmann", role="team_lead", start="/team")
    page.wait_for_selector("canvas[data-chart='chart-workload']")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "team.png"))
    context.close()


def _planning_scene(stage: Stage, browser: Any, out: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1300}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, stage.url("console"), "Kari Nordmann", role="supervisor", start="/planning")
    page.fill("#day-start", "08:00")
    page.fill("#day-calls", "20 35 60 80 75 60 45 50 55 40 30 20")
    page.fill("#day-aht_seconds", "240")
    page.click("#day-submit")
    page.wait_for_selector("#day-table tbody tr")
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "planning.png"))
    context.close()


def _admin_scene(stage: Stage, browser: Any, out: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, stage.url("console"), "Kari Nordmann", role="administrator", start="/admin/queues")
    page.locator("table a[href^='/admin/queues/']").first.click()
    page.wait_for_load_state()
    page.screenshot(path=str(out / "admin-queue.png"), full_page=True)
    context.close()


def _followups_scene(stage: Stage, browser: Any, out: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 640}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, stage.url("console"), "Kari Nordmann", role="supervisor", start="/followups")
    page.wait_for_selector("main table")
    page.screenshot(path=str(out / "followups.png"))
    context.close()


def _email_scene(stage: Stage, browser: Any, out: Path) -> None:
    """A member's email taken by an agent who is on a call, the reply written (issue 15)."""
    stage.only_available("Kari", queue=INVOICES)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, stage.url("console"), "Kari Nordmann")
    call_id = stage.post_call("1", MEMBER_NUMBER)["call"]["call_id"]
    page.wait_for_selector("#accept-button", timeout=15000)
    page.click("#accept-button")
    page.wait_for_selector("#call")
    mail = EmailMessage()
    mail["From"] = "Ingrid Solbakken <ingrid.solbakken@example.org>"
    mail["To"] = "kontakt@fagforbund.example.org"
    mail["Subject"] = "Overtime not paid since March"
    mail.set_content(
        "Hello,\n\nmy employer has not paid my overtime since March. I have asked twice.\n"
        "What can the union do?\n\nIngrid Solbakken, member 1000017"
    )
    mail.add_attachment(b"MZ" + b"\x00" * 64, maintype="application", subtype="octet-stream", filename="timesheet.exe")
    stage.deliver(mail)
    page.wait_for_selector(".task-offer", timeout=20000)
    page.click(".task-accept")
    page.wait_for_selector(".task textarea")
    page.fill(".task textarea", "Dear Ingrid,\n\nthank you for writing. A case worker will call you this week.")
    page.locator("#tasks-area").screenshot(path=str(out / "desk-email.png"))
    stage.end_call(call_id)
    context.close()


def _privacy_scene(stage: Stage, browser: Any, out: Path) -> None:
    """A member's erasure requested by an administrator, followed until every service reported (issue 17)."""
    number = "7000042"
    member = stage.members.post(
        "/v1/members", json={"first_name": "Ella", "last_name": "Glemt", "member_number": number}
    )
    member.raise_for_status()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    sign_in(page, stage.url("console"), "Kari Nordmann", role="administrator", start="/privacy")
    page.fill("#find-q", number)
    page.click("#find-submit")
    page.click(f"#candidate-{member.json()['id']} a")
    page.click("#erase-start")
    page.fill("#erase-number", number)
    page.fill("#erase-note", "asked in writing")
    page.click("#erase-submit")
    page.wait_for_url("**/privacy/erasures?requested=*")
    erasure_id = page.url.rsplit("=", 1)[1]
    page.wait_for_selector(f"#erasure-status-{erasure_id}:has-text('Completed')", timeout=90_000)
    page.locator(f"#erasure-{erasure_id}").screenshot(path=str(out / "privacy.png"))
    context.close()


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description="Regenerate the console's screenshots.")
    parser.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM.exists():
        print("Debian's Chromium is missing: run `make browser` first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="frontdoor-screenshots-") as tmp,
        staged(Path(tmp)) as stage,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            _desk_scenes(stage, browser, out)
            _wallboard_scenes(stage, browser, out)
            _team_scene(stage, browser, out)
            _planning_scene(stage, browser, out)
            _admin_scene(stage, browser, out)
            _followups_scene(stage, browser, out)
            _email_scene(stage, browser, out)
            _privacy_scene(stage, browser, out)
        finally:
            browser.close()
    for name in sorted(p.name for p in out.glob("*.png")):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
