"""The administration in Chromium: queues, staff and memberships, hours and closures, reasons.

Each change is made in the page as an administrator makes it and then read back from the
service that owns it; a value the service refuses is shown beside its field and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from admin_helpers import agents_know_queue, free_digit, submit
from console_helpers import INVOICES, WAGES, Stage, ok


def _queue(api: Stage, name: str) -> dict[str, Any] | None:
    return next((q for q in ok(api.routing.get("/v1/queues")) if q["name"] == name), None)


def test_an_administrator_creates_a_queue_and_edits_its_overflow_sending_only_what_changed(
    admin: Any, console: str, api: Stage
) -> None:
    page = admin
    name = f"Pensions {uuid.uuid4().hex[:6]}"
    digit = free_digit(api)
    page.goto(console + "/admin/queues")
    page.click("#new-queue")
    page.fill("#q-name", name)
    page.fill("#q-ivr-digit", digit)
    page.fill("#q-service_level_seconds", "30")
    page.fill("#overflow-after-0", "45")
    page.select_option("#overflow-targets-0", [INVOICES, WAGES])
    page.click("#queue-save")
    page.wait_for_url("**/admin/queues/*?created=1")
    assert "Queue created" in page.inner_text("#saved")
    made = _queue(api, name)
    assert made is not None
    assert (made["ivr_digit"], made["service_level_seconds"]) == (digit, 30)
    assert made["overflow"] == [{"after_seconds": 45, "queue_ids": sorted([INVOICES, WAGES])}]
    queue_url = f"/v1/queues/{made['id']}"

    # Someone else changes the target meanwhile; this page still shows 30 and changes only the step.
    ok(api.routing.patch(queue_url, json={"service_level_seconds": 25}))
    page.fill("#overflow-after-0", "90")
    assert submit(page, "#queue-form", "#queue-save") == 200
    assert page.is_visible("#queue-form #saved")
    now = ok(api.routing.get(queue_url))
    assert now["overflow"][0]["after_seconds"] == 90
    assert now["service_level_seconds"] == 25  # not the page's stale 30: only the changed field was sent
    assert page.input_value("#q-service_level_seconds") == "25"

    # Someone else changes the same step: a conflict, said in words, and nothing is sent.
    ok(api.routing.patch(queue_url, json={"overflow": [{"after_seconds": 120, "queue_ids": [INVOICES]}]}))
    page.fill("#overflow-after-0", "60")
    assert submit(page, "#queue-form", "#queue-save") == 409
    assert "Someone else changed Overflow steps" in page.inner_text("#stale")
    assert ok(api.routing.get(queue_url))["overflow"] == [{"after_seconds": 120, "queue_ids": [INVOICES]}]
    assert page.input_value("#overflow-after-0") == "120"  # the form shows what is there now

    # Bad digits: routing's 422 beside the field, nothing changed.
    page.fill("#q-ivr-digit", "12")
    assert submit(page, "#queue-form", "#queue-save") == 422
    assert page.get_attribute("#q-ivr-digit", "aria-invalid") == "true"
    assert "ivr_digit" in page.inner_text("#err-ivr_digit")
    assert ok(api.routing.get(queue_url))["ivr_digit"] == digit

    # A digit another queue has: routing's 409, in words.
    taken = ok(api.routing.get(f"/v1/queues/{INVOICES}"))["ivr_digit"]
    page.fill("#q-ivr-digit", taken)
    assert submit(page, "#queue-form", "#queue-save") == 409
    assert "already leads to queue" in page.inner_text("#conflict")
    assert ok(api.routing.get(queue_url))["ivr_digit"] == digit

    # Free its digit and take it out of service (the other tests of the session share the tenant).
    page.fill("#q-ivr-digit", "")
    page.uncheck("#q-active")
    assert submit(page, "#queue-form", "#queue-save") == 200
    now = ok(api.routing.get(queue_url))
    assert (now["ivr_digit"], now["active"]) == (None, False)
    page.goto(console + "/admin/queues")
    assert "Inactive" in page.inner_text(f"#queue-{made['id']}")


def test_an_administrator_adds_staff_to_a_queue_with_a_proficiency(admin: Any, console: str, api: Stage) -> None:
    page = admin
    queue = ok(api.routing.post("/v1/queues", json={"name": f"Courses {uuid.uuid4().hex[:6]}"}), 201)
    agents_know_queue(api, queue["id"])

    # A new member of staff, then their page.
    person = f"Test Person {uuid.uuid4().hex[:6]}"
    page.goto(console + "/admin/staff")
    page.click("#new-person")
    page.fill("#p-name", person)
    page.fill("#p-languages", "no, en")
    page.click("#person-save")
    page.wait_for_url("**/admin/staff/*?created=1")
    agent_id = page.url.split("/admin/staff/")[1].split("?")[0]
    made = ok(api.agents.get(f"/v1/agents/{agent_id}"))
    assert (made["name"], made["languages"]) == (person, ["no", "en"])

    # Join the queue with proficiency 4.
    page.select_option("#join-queue", queue["id"])
    page.fill("#join-proficiency", "4")
    assert submit(page, "#memberships", "#join-button") == 200
    held = {m["queue_id"]: m["proficiency"] for m in ok(api.agents.get(f"/v1/agents/{agent_id}"))["queues"]}
    assert held == {queue["id"]: 4}
    assert queue["name"] in page.inner_text("#memberships-table")

    # Proficiency 9: the service's message beside the field, nothing changed.
    row = f"#membership-{queue['id']}"
    page.fill(f"{row} input[name=proficiency]", "9")
    assert submit(page, "#memberships", f"{row} button[type=submit]") == 422
    assert "proficiency" in page.inner_text(f"{row} .field-error")
    assert page.get_attribute(f"{row} input[name=proficiency]", "aria-invalid") == "true"
    held = {m["queue_id"]: m["proficiency"] for m in ok(api.agents.get(f"/v1/agents/{agent_id}"))["queues"]}
    assert held == {queue["id"]: 4}

    # Change it to 2; the queue's own page lists them with it.
    page.fill(f"{row} input[name=proficiency]", "2")
    assert submit(page, "#memberships", f"{row} button[type=submit]") == 200
    held = {m["queue_id"]: m["proficiency"] for m in ok(api.agents.get(f"/v1/agents/{agent_id}"))["queues"]}
    assert held == {queue["id"]: 2}
    page.goto(console + f"/admin/queues/{queue['id']}")
    assert person in page.inner_text("#queue-members") and "2" in page.inner_text("#queue-members")

    # The queue's own hours: weekdays 08:00-16:00; then a rule that ends before it starts.
    hours_url = f"/v1/queues/{queue['id']}/opening-hours"
    assert ok(api.agents.get(hours_url))["uses_tenant_hours"] is True
    page.check("#qh-own")
    for rule in page.query_selector_all("#queue-hours-form fieldset.rule"):
        for box in rule.query_selector_all("input[type=checkbox]"):
            box.uncheck()
        rule.query_selector("input[name^=rule_start]").fill("")
        rule.query_selector("input[name^=rule_end]").fill("")
    for day in ("mon", "tue", "wed", "thu", "fri"):
        page.check(f"#qrule-0-{day}")
    page.fill("#qrule-0-start", "08:00")
    page.fill("#qrule-0-end", "16:00")
    assert submit(page, "#queue-hours-form", "#queue-hours-save") == 200
    own = ok(api.agents.get(hours_url))
    assert own["uses_tenant_hours"] is False
    assert own["weekly"] == [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "16:00"}]
    page.fill("#qrule-0-start", "17:00")
    assert submit(page, "#queue-hours-form", "#queue-hours-save") == 422
    assert page.is_visible("#err-hours-0-end")
    assert ok(api.agents.get(hours_url))["weekly"] == own["weekly"]

    # Edit the profile (only the extension changes), then leave the queue.
    page.goto(console + f"/admin/staff/{agent_id}")
    page.fill("#p-extension", "4711")
    assert submit(page, "#person-form", "#person-save") == 200
    assert ok(api.agents.get(f"/v1/agents/{agent_id}"))["extension"] == "4711"
    assert submit(page, "#memberships", f"#membership-{queue['id']} form[action$='/leave'] button") == 200
    assert ok(api.agents.get(f"/v1/agents/{agent_id}"))["queues"] == []

    # Out of service again, both (the other tests of the session share the tenant).
    page.uncheck("#p-active")
    assert submit(page, "#person-form", "#person-save") == 200
    assert ok(api.agents.get(f"/v1/agents/{agent_id}"))["active"] is False
    ok(api.routing.patch(f"/v1/queues/{queue['id']}", json={"active": False}))


def test_an_administrator_edits_opening_hours_and_adds_a_closure(admin: Any, console: str, api: Stage) -> None:
    page = admin
    before = ok(api.agents.get("/v1/settings"))
    title = f"Staff party {uuid.uuid4().hex[:6]}"
    closure_id = ""
    try:
        page.goto(console + "/admin/hours")
        # A rule more: Mondays 00:00-12:00 (the tenant stays open around the clock for the other tests).
        new = len(before["opening_hours"])
        page.check(f"#rule-{new}-mon")
        page.fill(f"#rule-{new}-start", "00:00")
        page.fill(f"#rule-{new}-end", "12:00")
        assert submit(page, "#hours-form", "#hours-save") == 200
        after = ok(api.agents.get("/v1/settings"))
        assert after["opening_hours"] == [*before["opening_hours"], {"days": ["mon"], "start": "00:00", "end": "12:00"}]
        assert (after["timezone"], after["country"]) == (before["timezone"], before["country"])

        # A rule that ends before it starts: the message beside its end, nothing changed.
        page.fill(f"#rule-{new}-end", "06:00")
        page.fill(f"#rule-{new}-start", "09:00")
        assert submit(page, "#hours-form", "#hours-save") == 422
        assert "end must be after start" in page.inner_text(f"#err-opening_hours-{new}-end")
        assert ok(api.agents.get("/v1/settings"))["opening_hours"] == after["opening_hours"]

        # A closure of every queue, a year ahead, in the tenant's local time.
        day = (datetime.now(UTC) + timedelta(days=400)).date()
        page.fill("#c-title", title)
        page.fill("#c-start", f"{day.isoformat()}T12:00")
        page.fill("#c-end", f"{day.isoformat()}T16:00")
        assert submit(page, "#closures", "#closure-add") == 200
        found = [c for c in ok(api.agents.get("/v1/closures", params={"limit": 500})) if c["title"] == title]
        assert len(found) == 1 and found[0]["queue_id"] is None
        closure_id = found[0]["id"]
        local = datetime.fromisoformat(found[0]["start"]).astimezone(ZoneInfo(before["timezone"]))
        assert (local.date(), local.hour, local.minute) == (day, 12, 0)
        assert title in page.inner_text("#closures-table")

        # Bad input: no end. The message beside the field; nothing added.
        page.fill("#c-title", "Nothing")
        page.fill("#c-start", f"{day.isoformat()}T12:00")
        assert submit(page, "#closures", "#closure-add") == 422
        assert page.is_visible("#err-end")
        titles = [c["title"] for c in ok(api.agents.get("/v1/closures", params={"limit": 500}))]
        assert "Nothing" not in titles

        assert submit(page, "#closures", f"#closure-{closure_id} button") == 200
        assert closure_id not in {c["id"] for c in ok(api.agents.get("/v1/closures", params={"limit": 500}))}
        closure_id = ""
    finally:
        ok(api.agents.put("/v1/settings", json={"opening_hours": before["opening_hours"]}))
        if closure_id:
            api.agents.delete(f"/v1/closures/{closure_id}")


def test_an_administrator_adds_and_removes_a_contact_reason(admin: Any, console: str, api: Stage) -> None:
    page = admin
    code = f"pension_{uuid.uuid4().hex[:6]}"
    before = ok(api.members.get("/v1/tenant/settings"))
    try:
        page.goto(console + "/admin/reasons")
        page.fill("#reason-code", code)
        assert submit(page, "#reasons", "#reason-add") == 200
        after = ok(api.members.get("/v1/tenant/settings"))
        assert after["reasons"] == [*before["reasons"], code]
        assert after["country"] == before["country"]
        assert page.is_visible(f"#reason-{code}")

        # Not a code: members' message beside the field; the list is as it was.
        page.fill("#reason-code", "Bad Code!")
        assert submit(page, "#reasons", "#reason-add") == 422
        assert page.get_attribute("#reason-code", "aria-invalid") == "true"
        assert page.is_visible("#err-code")
        assert ok(api.members.get("/v1/tenant/settings"))["reasons"] == after["reasons"]

        # The same code again: said in words (409), nothing sent.
        page.fill("#reason-code", code)
        assert submit(page, "#reasons", "#reason-add") == 409
        assert page.is_visible("#stale")

        assert submit(page, "#reasons", f"#reason-{code} button") == 200
        assert ok(api.members.get("/v1/tenant/settings"))["reasons"] == before["reasons"]
    finally:
        now = ok(api.members.get("/v1/tenant/settings"))
        if now["reasons"] != before["reasons"]:
            body = {k: now[k] for k in ("country", "phone_region", "placeholder_national_ids")}
            ok(api.members.put("/v1/tenant/settings", json={**body, "reasons": before["reasons"]}))
