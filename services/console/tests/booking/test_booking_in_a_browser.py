"""Issue 16 in Chromium: an agent in a call with a demo member books the first free CV meeting with a
counsellor of the member's department from the desk and sees it listed (in the tenant's time), is
offered agents' next free time when the slot was taken meanwhile, moves and cancels a meeting; and
signs the member up for a course (confirmed), is told a full course's place in line when the waiting
list is declined, puts them on it, sees members' 422 beside the course, and cancels a sign-up.
Every outcome is read back from the services' own APIs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from console_helpers import MEMBER_NUMBER, WAGES, Stage, axe_violations, ok, sign_in, wait_for

TENANT_ZONE = ZoneInfo("Europe/Oslo")  # the stage's tenant


def _member(api: Stage, number: str = MEMBER_NUMBER) -> dict[str, Any]:
    found = ok(api.members.get("/v1/members/lookup", params={"phone": number}))
    return dict(ok(api.members.get(f"/v1/members/{found['candidates'][0]['member_id']}")))


def _course(api: Stage, title: str, *, seats: int, deadline: timedelta = timedelta(days=1)) -> dict[str, Any]:
    """A course of the demo tenant's, two days ahead; sign-ups close `deadline` before now + 2 days."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    body = {
        "title": f"{title} {uuid.uuid4().hex[:6]}",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "place": "Folkets hus",
        "seats": seats,
        "signup_deadline": (starts - deadline).isoformat(),
    }
    return dict(ok(api.members.post("/v1/courses", json=body), 201))


def _signups(api: Stage, member_id: str, course_id: str) -> list[dict[str, Any]]:
    rows = ok(api.members.get(f"/v1/members/{member_id}/signups", params={"limit": 500}))
    return [s for s in rows if s["course_id"] == course_id]


def _meetings(api: Stage, member_id: str) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    window = {"from": now.isoformat(), "to": (now + timedelta(days=60)).isoformat(), "member_id": member_id}
    rows = ok(api.agents.get("/v1/meetings", params=window))
    return [m for m in rows if m["member_id"] == member_id and m["status"] == "booked"]


def _slots(api: Stage, department_id: str | None) -> list[dict[str, Any]]:
    params = {"department_id": department_id} if department_id else {}
    return list(ok(api.agents.get("/v1/meeting-kinds/cv/slots", params=params)))


def _local(moment: str) -> str:
    """A service's UTC time as the desk shows it in English: the tenant's hh:mm."""
    return datetime.fromisoformat(moment).astimezone(TENANT_ZONE).strftime("%H:%M")


def _submit(page: Any, form: str, button: str, path: str) -> int:
    """Click a button of a panel's form; the status of the answer, once htmx has put it in place."""
    page.eval_on_selector(form, "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST" and path in r.url) as info:
        page.click(button)
    page.wait_for_selector(f"{form}:not([data-stale])")
    return int(info.value.status)


def test_an_agent_books_the_first_free_cv_meeting_and_signs_the_member_up_for_a_course(
    browser: Any, console: str, api: Stage
) -> None:
    member = _member(api)
    other = _member(api, "+4793456781")  # Tor Haugland, to take a slot and a seat meanwhile
    staff = api.people()
    counsellor = staff["Astrid"]
    department = member.get("department_id")
    # The seeded CV meeting's counsellor Astrid holds them for the member's department.
    ok(api.agents.patch(f"/v1/agents/{counsellor}", json={"department_id": department}))
    open_course = _course(api, "CV workshop", seats=5)
    full_course = _course(api, "Interview training", seats=1)
    closed_course = _course(api, "Pension evening", seats=5, deadline=timedelta(days=3))  # closed a day ago
    ok(api.members.post(f"/v1/courses/{full_course['id']}/signups", json={"member_id": other["id"]}), 201)
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    call_id = ""
    taken: dict[str, Any] | None = None
    try:
        api.only_available("Ingrid", queue=WAGES)
        page = context.new_page()
        sign_in(page, console, "Ingrid Bakkevold")
        call_id = api.post_call("2")["call"]["call_id"]
        page.wait_for_selector("#accept-button", timeout=15000)
        page.click("#accept-button")

        # --- Meetings: the first free CV meeting, booked from the desk, listed in the tenant's time.
        page.wait_for_selector("#meeting-form")
        assert page.input_value("#meeting-kind") == "cv"
        first = _slots(api, department)[0]
        assert page.is_checked("#slot-1")
        label = page.inner_text("label:has(#slot-1)")
        assert _local(first["starts_at"]) in label, (label, first)
        assert axe_violations(page) == []
        assert _submit(page, "#meeting-form", "#book-button", "/meetings") == 201
        assert "Booked: CV meeting on" in page.inner_text("#meeting-booked")
        booked = _meetings(api, member["id"])
        assert [(m["starts_at"], m["counsellor_id"], m["kind"]) for m in booked] == [
            (first["starts_at"], first["counsellor_id"], "cv")
        ]
        listed = page.inner_text(f"#meeting-{booked[0]['id']}")
        assert "CV meeting" in listed and _local(first["starts_at"]) in listed

        # The next time shown is taken meanwhile (another member, from another desk): 409, next free offered.
        shown = page.get_attribute("#slot-1", "value")
        taken_counsellor, taken_start = shown.split("|")
        taken = ok(
            api.agents.post(
                "/v1/meetings",
                json={
                    "kind": "cv",
                    "counsellor_id": taken_counsellor,
                    "starts_at": taken_start,
                    "member_id": other["id"],
                },
            ),
            201,
        )
        assert _submit(page, "#meeting-form", "#book-button", "/meetings") == 409
        assert "that time was taken meanwhile" in page.inner_text("#meeting-refused")
        assert len(_meetings(api, member["id"])) == 1  # nothing was booked
        page.eval_on_selector("#meeting-form", "el => { el.dataset.stale = '1'; }")
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/meetings")) as info:
            page.click("#book-next-free")
        page.wait_for_selector("#meeting-form:not([data-stale])")
        assert info.value.status == 201
        two = _meetings(api, member["id"])
        assert len(two) == 2 and two[1]["starts_at"] > taken_start

        # Moved to another free time of the same counsellor, then cancelled.
        second = two[1]
        page.click(f"#move-meeting-{second['id']}")
        page.wait_for_selector(f"#reschedule-time-{second['id']}")
        options = page.eval_on_selector_all(f"#reschedule-time-{second['id']} option", "os => os.map(o => o.value)")
        target = options[-1]
        page.select_option(f"#reschedule-time-{second['id']}", target)
        assert _submit(page, "#meeting-form", f"#reschedule-button-{second['id']}", "/reschedule") == 200
        assert "Moved: CV meeting is now on" in page.inner_text("#meeting-moved")
        moved = ok(api.agents.get(f"/v1/meetings/{second['id']}"))
        assert datetime.fromisoformat(moved["starts_at"]) == datetime.fromisoformat(target)
        assert moved["counsellor_id"] == second["counsellor_id"]
        for meeting in _meetings(api, member["id"]):
            assert _submit(page, "#meeting-form", f"#cancel-meeting-{meeting['id']}", "/cancel") == 200
            assert page.query_selector(f"#meeting-{meeting['id']}") is None
        assert _meetings(api, member["id"]) == []
        assert page.is_visible("#no-meetings")

        # --- Courses: signed up, a seat confirmed.
        page.wait_for_selector("#signup-form")
        page.select_option("#course-choice", open_course["id"])
        assert _submit(page, "#signup-form", "#signup-button", "/courses/signups") == 201
        assert page.get_attribute("#signup-done", "data-status") == "confirmed"
        [mine] = _signups(api, member["id"], open_course["id"])
        assert mine["status"] == "confirmed"
        assert open_course["title"] in page.inner_text(f"#signup-{mine['id']}")

        # A full course, the waiting list declined: members' 409 course_full, the place they would get.
        page.select_option("#course-choice", full_course["id"])
        page.uncheck("#signup-waitlist")
        assert _submit(page, "#signup-form", "#signup-button", "/courses/signups") == 409
        assert "On the waiting list the member would be number 1." in page.inner_text("#signup-refused")
        assert _signups(api, member["id"], full_course["id"]) == []
        # ... and on the waiting list: waiting, position 1.
        page.check("#signup-waitlist")
        assert _submit(page, "#signup-form", "#signup-button", "/courses/signups") == 201
        assert "waiting, position 1" in page.inner_text("#signup-done")
        [waiting] = _signups(api, member["id"], full_course["id"])
        assert (waiting["status"], waiting["position"]) == ("waiting", 1)

        # Sign-ups closed: members' 422 beside the course chooser, nothing created.
        page.select_option("#course-choice", closed_course["id"])
        assert _submit(page, "#signup-form", "#signup-button", "/courses/signups") == 422
        assert page.get_attribute("#course-choice", "aria-invalid") == "true"
        assert page.get_attribute("#course-choice", "aria-describedby") == "course-err"
        assert "Sign-ups for this course have closed." in page.inner_text("#course-err")
        assert _signups(api, member["id"], closed_course["id"]) == []
        assert axe_violations(page) == []

        # Cancelled from the list: members has it cancelled.
        assert _submit(page, "#signup-form", f"#cancel-signup-{mine['id']}", "/cancel") == 200
        assert open_course["title"] in page.inner_text("#signup-cancelled")
        assert [s["status"] for s in _signups(api, member["id"], open_course["id"])] == ["cancelled"]
        wait_for(lambda: page.query_selector(f"#signup-{mine['id']}") is None, what="the sign-up off the list")
    finally:
        context.close()
        if call_id:
            api.end_call(call_id)
        for meeting in _meetings(api, member["id"]) + ([taken] if taken else []):
            api.agents.post(f"/v1/meetings/{meeting['id']}/cancel")
        api.agents.patch(f"/v1/agents/{counsellor}", json={"department_id": None})
        for course in (open_course, full_course, closed_course):
            api.members.post(f"/v1/courses/{course['id']}/cancel")
