"""The desk's courses and meetings panels on their own (issue 16): which sign-ups and meetings are the
member's upcoming ones, what the course chooser says, a slot as the form sends it, and the panels
rendered in every language with members' and agents' refusals beside their fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from frontdoor_console.clients.http import ServiceRefused
from frontdoor_console.desk.courses import COURSE_FIELDS, CoursesPanel, active_signups, course_choices
from frontdoor_console.desk.meetings import SLOT_FIELDS, MeetingsPanel, parse_slot, slot_value, upcoming_for
from frontdoor_console.i18n.catalogues import load_catalogues
from frontdoor_console.i18n.formatting import Formatter
from frontdoor_console.web.templating import Templates

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
MEMBER = "0b7e1d7a-0000-4000-8000-000000000001"
OTHER_MEMBER = "0b7e1d7a-0000-4000-8000-000000000002"
COUNSELLOR = "0c000000-0000-4000-8000-000000000001"
COURSE = "0d000000-0000-4000-8000-000000000001"


def _signup(status: str, starts: str, position: int | None = None, course: str = COURSE) -> dict[str, object]:
    return {
        "id": f"s-{status}-{starts}",
        "course_id": course,
        "course_title": "CV <workshop>",
        "course_starts_at": starts,
        "status": status,
        "position": position,
    }


def _course(**over: object) -> dict[str, object]:
    course: dict[str, object] = {
        "id": COURSE,
        "title": "CV <workshop>",
        "starts_at": "2026-12-21T08:00:00+00:00",
        "place": "Folkets hus",
        "seats": 12,
        "seats_taken": 3,
        "waiting": 0,
        "signup_deadline": "2026-12-19T08:00:00+00:00",
        "status": "open",
    }
    course.update(over)
    return course


def test_only_seats_and_places_in_line_for_courses_not_begun_are_the_members_sign_ups() -> None:
    signups = [
        _signup("waiting", "2026-12-24T08:00:00+00:00", 2),
        _signup("confirmed", "2026-12-01T08:00:00+00:00"),
        _signup("cancelled", "2026-12-02T08:00:00+00:00"),
        _signup("course_cancelled", "2026-12-03T08:00:00+00:00"),
        _signup("confirmed", "2026-11-29T08:00:00+00:00"),  # begun
        _signup("confirmed", "not a time"),
    ]
    shown = active_signups(signups, NOW)
    assert [(s["status"], s["course_starts_at"]) for s in shown] == [
        ("confirmed", "2026-12-01T08:00:00+00:00"),
        ("waiting", "2026-12-24T08:00:00+00:00"),
    ]


def test_the_chooser_counts_free_seats_marks_closed_sign_ups_and_the_members_own_course() -> None:
    others = "0d000000-0000-4000-8000-000000000002"
    full = "0d000000-0000-4000-8000-000000000003"
    closed = "0d000000-0000-4000-8000-000000000004"
    courses = [
        _course(),
        _course(id=others, seats_taken=12),
        _course(id=full, seats_taken=11, waiting=1),  # a seat free but people wait: a sign-up waits too
        _course(id=closed, signup_deadline="2026-11-30T08:59:00+00:00"),
        _course(id="cancelled", status="cancelled"),
    ]
    choices = course_choices(courses, [_signup("waiting", "2026-12-21T08:00:00+00:00", 1)], NOW)
    assert [(str(c.course["id"]), c.free, c.closed, c.signed_up) for c in choices] == [
        (COURSE, 9, False, True),
        (others, 0, False, False),
        (full, 0, False, False),
        (closed, 9, True, False),
    ]


def test_a_slot_comes_back_from_the_form_as_its_counsellor_and_start_or_not_at_all() -> None:
    value = slot_value(COUNSELLOR, "2026-12-01T09:00:00Z")
    assert parse_slot(value) == (COUNSELLOR, datetime(2026, 12, 1, 9, tzinfo=UTC))
    for junk in (
        "",
        COUNSELLOR,
        f"{COUNSELLOR}|",
        "not-a-uuid|2026-12-01T09:00:00Z",
        f"{COUNSELLOR}|2026-12-01T09:00:00",  # no offset: whose 09:00?
        f"{COUNSELLOR}|0001-01-01T00:00:00+00:00",
        f"{COUNSELLOR}|tomorrow",
    ):
        assert parse_slot(junk) is None, junk


def test_only_the_members_booked_meetings_not_begun_are_listed_soonest_first() -> None:
    def meeting(member: str, status: str, starts: str) -> dict[str, object]:
        return {"id": f"{member}-{status}-{starts}", "member_id": member, "status": status, "starts_at": starts}

    meetings = [
        meeting(MEMBER, "booked", "2026-12-03T09:00:00Z"),
        meeting(MEMBER, "booked", "2026-12-01T09:00:00Z"),
        meeting(OTHER_MEMBER, "booked", "2026-12-01T10:00:00Z"),  # agents without a member filter sends all
        meeting(MEMBER, "cancelled", "2026-12-02T09:00:00Z"),
        meeting(MEMBER, "booked", "2026-11-30T08:00:00Z"),  # begun
        meeting(MEMBER, "booked", "junk"),
    ]
    assert [m["starts_at"] for m in upcoming_for(meetings, MEMBER, NOW)] == [
        "2026-12-01T09:00:00Z",
        "2026-12-03T09:00:00Z",
    ]


def _render(template: str, locale: str, **extra: object) -> str:
    templates = Templates(load_catalogues())
    fmt = Formatter(locale, ZoneInfo("Europe/Oslo"))  # type: ignore[arg-type]
    return templates.render(template, locale, fmt=fmt, call_id="c1", csrf_token="t", **extra)


def _described(html: str, control: str) -> str:
    """The text of the element that the control's aria-describedby names (AssertionError if none)."""
    found = re.search(rf'id="{control}"[^>]*aria-describedby="([^"]+)"', html)
    assert found, f"{control} describes nothing"
    error = re.search(rf'id="{found.group(1)}">(.*?)</span>', html, re.S)
    assert error, f"no element {found.group(1)}"
    return error.group(1).strip()


def _courses_panel() -> CoursesPanel:
    return CoursesPanel(
        member={"id": MEMBER},
        choices=course_choices([_course()], [], NOW),
        signups=active_signups([_signup("waiting", "2026-12-21T08:00:00+00:00", 3)], NOW),
    )


@pytest.mark.parametrize("locale", ["en", "nb", "da", "nl"])
def test_the_courses_panel_renders_in_every_language_with_a_refusal_beside_the_course(locale: str) -> None:
    refused = ServiceRefused("members", 422, "signup_deadline_passed", "closed", "signup_deadline")
    html = _render(
        "desk/_courses.html",
        locale,
        panel=_courses_panel(),
        refused=refused,
        done=None,
        values={"course_id": COURSE, "waitlist": "1"},
        course_fields=COURSE_FIELDS,
    )
    assert "CV &lt;workshop&gt;" in html and "<workshop>" not in html
    assert 'aria-invalid="true"' in html and _described(html, "course-choice")
    assert f'value="{COURSE}" selected' in html and 'id="signup-waitlist" name="waitlist" value="1" checked' in html
    assert 'id="member-signups"' in html and "3" in html
    if locale == "en":
        assert _described(html, "course-choice") == "Sign-ups for this course have closed."
        assert "waiting, position 3" in html


def test_a_full_course_without_the_waiting_list_says_the_place_the_member_would_get() -> None:
    refused = ServiceRefused("members", 409, "course_full", "full", None, {"waiting_position": 4})
    html = _render(
        "desk/_courses.html",
        "en",
        panel=_courses_panel(),
        refused=refused,
        done=None,
        values={"course_id": COURSE, "waitlist": ""},
        course_fields=COURSE_FIELDS,
    )
    assert "the course is full. On the waiting list the member would be number 4." in html
    assert 'name="waitlist" value="1" checked' not in html  # the agent's choice is kept
    signed = {"course_title": "CV", "status": "waiting", "position": 2}
    html = _render(
        "desk/_courses.html",
        "en",
        panel=_courses_panel(),
        refused=None,
        done={"signed_up": signed},
        values={},
        course_fields=COURSE_FIELDS,
    )
    assert "The course is full: CV, waiting, position 2." in html


def _meetings_panel() -> MeetingsPanel:
    kind = {"code": "cv", "name": "CV meeting", "minutes": 45}
    return MeetingsPanel(
        member={"id": MEMBER, "department_id": "d1"},
        kinds=[kind],
        kind=kind,
        slots=[
            {"counsellor_id": COUNSELLOR, "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T09:45:00Z"},
            {"counsellor_id": COUNSELLOR, "starts_at": "2026-12-01T09:45:00Z", "ends_at": "2026-12-01T10:30:00Z"},
        ],
        meetings=[{"id": "m1", "kind": "cv", "counsellor_id": COUNSELLOR, "starts_at": "2026-12-03T13:00:00Z"}],
        names={COUNSELLOR: "Astrid <Øvrebø>"},
    )


@pytest.mark.parametrize("locale", ["en", "nb", "da", "nl"])
def test_the_meetings_panel_renders_in_every_language_in_the_tenants_time(locale: str) -> None:
    refused = ServiceRefused("agents", 422, "holiday", "holiday", "starts_at")
    html = _render(
        "desk/_meetings.html",
        locale,
        panel=_meetings_panel(),
        refused=refused,
        next_free=None,
        done=None,
        values={"kind": "cv", "slot": slot_value(COUNSELLOR, "2026-12-01T09:45:00Z")},
        slot_fields=SLOT_FIELDS,
        slot_value=slot_value,
    )
    assert "Astrid &lt;Øvrebø&gt;" in html
    assert "10:00" in html or "10.00" in html  # 09:00 UTC is 10:00 in Oslo
    assert "14:00" in html or "14.00" in html  # the member's meeting, 13:00 UTC
    assert 'id="slot-2" value="' in html and re.search(r'id="slot-2" value="[^"]+" checked', html)
    assert _described(html, "meeting-slots")
    if locale == "en":
        assert _described(html, "meeting-slots") == "That day is a public holiday: choose another."
        assert "Tue 1 Dec 10:00" in html


def test_a_slot_taken_meanwhile_offers_the_next_free_one() -> None:
    next_free = {"counsellor_id": COUNSELLOR, "starts_at": "2026-12-01T11:15:00Z", "ends_at": "2026-12-01T12:00:00Z"}
    refused = ServiceRefused("agents", 409, "slot_taken", "taken", "starts_at", {"next_free": next_free})
    html = _render(
        "desk/_meetings.html",
        "en",
        panel=_meetings_panel(),
        refused=refused,
        next_free=next_free,
        done=None,
        values={"kind": "cv", "slot": "x", "note": "Bring the CV"},
        slot_fields=SLOT_FIELDS,
        slot_value=slot_value,
    )
    assert "Nothing was booked: that time was taken meanwhile." in html
    assert "The next free time is Tue 1 Dec 12:15 with Astrid &lt;Øvrebø&gt;." in html
    assert f'name="slot" value="{slot_value(COUNSELLOR, "2026-12-01T11:15:00Z")}"' in html
    assert 'id="book-next-free"' in html and 'name="note" value="Bring the CV"' in html


class FakeService:
    """A service client that answers from a table by path (or fails), and remembers what it was asked."""

    def __init__(self, name: str, answers: dict[str, object] | None = None, *, down: bool = False) -> None:
        self.name, self.answers, self.down = name, answers or {}, down
        self.asked: list[tuple[str, dict[str, object]]] = []

    async def get(self, path: str, token: str, **kw: object) -> object:
        from frontdoor_console.clients.http import ServiceDown

        self.asked.append((path, dict(kw.get("params") or {})))  # type: ignore[call-overload]
        if self.down:
            raise ServiceDown(self.name, "ConnectError")
        if path not in self.answers:
            raise ServiceRefused(self.name, 404, "not_found", "No such thing.")
        return self.answers[path]


def _ctx(members: FakeService, agents: FakeService) -> object:
    from types import SimpleNamespace

    return SimpleNamespace(
        services=SimpleNamespace(members=members, agents=agents),
        tokens=SimpleNamespace(for_user=lambda user: "token"),
        clock=SimpleNamespace(now=lambda: NOW),
    )


def _members_service(department: str | None = "d1") -> FakeService:
    return FakeService("members", {f"/v1/members/{MEMBER}": {"id": MEMBER, "department_id": department}})


def _agents_service(**extra: object) -> FakeService:
    answers: dict[str, object] = {
        "/v1/meeting-kinds": [{"code": "cv", "name": "CV meeting", "minutes": 45}],
        "/v1/meetings": [],
        "/v1/agents": [{"id": COUNSELLOR, "name": "Astrid"}],
        "/v1/meeting-kinds/cv/slots": [
            {"counsellor_id": COUNSELLOR, "starts_at": f"2026-12-0{d}T09:00:00Z", "ends_at": "x"} for d in range(1, 9)
        ],
    }
    answers.update(extra)  # type: ignore[arg-type]
    return FakeService("agents", answers)


async def test_the_slots_are_asked_for_the_members_department_and_the_meetings_for_the_member() -> None:
    from frontdoor_console.desk.meetings import SLOTS_SHOWN, load

    agents = _agents_service()
    panel = await load(_ctx(_members_service(), agents), None, MEMBER)  # type: ignore[arg-type]
    asked = dict(agents.asked)
    assert asked["/v1/meeting-kinds/cv/slots"]["department_id"] == "d1"
    assert asked["/v1/meetings"]["member_id"] == MEMBER
    assert panel.kind is not None and panel.kind["code"] == "cv" and len(panel.slots) == SLOTS_SHOWN
    # A member without a department: every counsellor of the kind.
    agents = _agents_service()
    await load(_ctx(_members_service(None), agents), None, MEMBER)  # type: ignore[arg-type]
    assert "department_id" not in dict(agents.asked)["/v1/meeting-kinds/cv/slots"]


async def test_agents_or_members_down_is_said_in_the_meetings_panel() -> None:
    from frontdoor_console.desk.meetings import load

    panel = await load(_ctx(_members_service(), FakeService("agents", down=True)), None, MEMBER)  # type: ignore[arg-type]
    assert panel.down == "agents" and panel.member is not None
    panel = await load(_ctx(FakeService("members", down=True), _agents_service()), None, MEMBER)  # type: ignore[arg-type]
    assert panel.down == "members"


async def test_another_members_meeting_is_not_found_from_this_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi import HTTPException

    from frontdoor_console.desk import meetings

    async def the_calls_member(ctx: object, user: object, call: str) -> str:
        return MEMBER

    monkeypatch.setattr(meetings, "call_member", the_calls_member)
    theirs = {"id": "m2", "member_id": OTHER_MEMBER, "kind": "cv", "counsellor_id": COUNSELLOR}
    ours = {**theirs, "id": "m1", "member_id": MEMBER}
    agents = _agents_service(**{"/v1/meetings/m1": ours, "/v1/meetings/m2": theirs})
    ctx = _ctx(_members_service(), agents)
    assert await meetings._members_meeting(ctx, None, "c1", "m1") == (MEMBER, ours)  # type: ignore[arg-type]
    for unknown in ("m2", "m3"):  # another member's; none at all
        with pytest.raises(HTTPException) as refused:
            await meetings._members_meeting(ctx, None, "c1", unknown)  # type: ignore[arg-type]
        assert refused.value.status_code == 404


async def test_another_members_sign_up_is_not_found_from_this_call() -> None:
    from fastapi import HTTPException

    from frontdoor_console.desk.courses import require_members_signup

    members = FakeService("members", {f"/v1/members/{MEMBER}/signups": [{"id": "s1", "member_id": MEMBER}]})
    ctx = _ctx(members, _agents_service())
    await require_members_signup(ctx, None, MEMBER, "s1")  # type: ignore[arg-type]
    with pytest.raises(HTTPException) as refused:
        await require_members_signup(ctx, None, MEMBER, "s2")  # type: ignore[arg-type]
    assert refused.value.status_code == 404
