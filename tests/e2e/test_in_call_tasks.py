"""Tasks the agent finishes in the call (issue 16), on the whole platform as real processes.

A member calls and the agent books a CV meeting with a counsellor of the member's department, then
rebooks it: routing offers the counsellor calls at the old time and none during the meeting. A full
course puts a member on the waiting list and a cancellation moves them up; fifty sign-ups at once for
ten seats confirm exactly ten, and fifty bookings at once of one meeting slot give exactly one.
Driven only through the REST contract, as a CTI system and the agents' desks would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from e2e_platforms import DAYS, api_clients, ok, open_around_the_clock, running_platform, z

from frontdoor_common.testing import eventually

pytestmark = pytest.mark.slow

WAGES = "0000000a-0000-4000-8000-000000000002"  # the demo's queue of Ingrid and Ola (IVR digit 2)
KNOWN_MEMBER_NUMBER = "+4741234567"  # a demo member's mobile; her workplace gives her a department
RUN = uuid.uuid4().int % 10**8  # member numbers of this run's members


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    # agents and members, whose races this file tests, on PostgreSQL when CI gives one
    var = tmp_path_factory.mktemp("e2e-tasks-var")
    extra = {"ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0"}
    with running_platform(var, extra_env=extra, postgres_for=("agents", "members")) as platform:
        yield platform


@pytest.fixture
async def api(platform: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    async with api_clients(platform) as clients:
        yield clients


@pytest.fixture(scope="module")
def open_all_day(platform: SimpleNamespace) -> None:
    """The tenant in UTC, open around the clock in a country with no holiday today; no wrap-up in wages."""
    open_around_the_clock(platform, (WAGES,))


# --- routing helpers, as in test_platform.py --------------------------------------------------


async def agents_by_name(api: SimpleNamespace) -> dict[str, str]:
    return {a["name"].split()[0]: a["id"] for a in ok(await api.agents.get("/v1/agents"))}


async def settle(api: SimpleNamespace) -> None:
    """Until the agents service has caught up with routing's call events (nobody on a call)."""

    async def quiet() -> bool:
        board = ok(await api.agents.get("/v1/agents/snapshots"))
        return all(a["presence"] not in ("on_call", "wrap_up") for a in board)

    await eventually(quiet, timeout=30)


async def presence(api: SimpleNamespace, agent: str, state: str) -> None:
    await settle(api)
    body = {"presence": state, "reason": "break" if state == "away" else None}
    ok(await api.agents.put(f"/v1/agents/{agent}/presence", json=body))


async def wait_available(api: SimpleNamespace, queue: str, n: int) -> None:
    """Until routing sees `n` agents free in the queue; says who is what if it never does."""

    async def count_is() -> bool:
        return int(ok(await api.routing.get(f"/v1/queues/{queue}/stats"))["agents"]["available"]) == n

    try:
        await eventually(count_is, timeout=30)
    except AssertionError:
        stats = ok(await api.routing.get(f"/v1/queues/{queue}/stats"))["agents"]
        board = [(a["name"], a["presence"], a["blocked"]) for a in ok(await api.agents.get("/v1/agents/snapshots"))]
        raise AssertionError(f"queue {queue}: routing sees {stats}; the agents service says {board}") from None


async def call(api: SimpleNamespace, digit: str, number: str | None = None) -> dict[str, Any]:
    body = {"cti_call_id": uuid.uuid4().hex, "caller_number": number, "ivr_digit": digit}
    return dict(ok(await api.routing.post("/v1/calls", json=body), 201))


async def state(api: SimpleNamespace, call_id: str) -> dict[str, Any]:
    return dict(ok(await api.routing.get(f"/v1/calls/{call_id}")))


async def offered(api: SimpleNamespace, call_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        view = await state(api, call_id)
        return view if view["outcome"] == "offered" and view["offer_id"] else None

    return dict(await eventually(check, timeout=20))


async def accept_and_complete(api: SimpleNamespace, view: dict[str, Any]) -> None:
    call_id = view["call"]["call_id"]
    ok(await api.routing.post(f"/v1/offers/{view['offer_id']}/accept"))
    body = {"resolution": "resolved", "contact_reason": "invoice"}
    ok(await api.routing.post(f"/v1/calls/{call_id}/complete", json=body))

    async def completed() -> bool:
        return bool((await state(api, call_id))["call"]["state"] == "completed")

    await eventually(completed, timeout=20)


async def sleep_until(at: datetime) -> None:
    await asyncio.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()))


# --- members helpers -----------------------------------------------------------------------------


async def new_member(api: SimpleNamespace, n: int) -> str:
    body = {"member_number": f"9{RUN:08d}{n:04d}", "first_name": f"Test{n}", "last_name": "Kursdeltaker"}
    return str(ok(await api.members.post("/v1/members", json=body), 201)["id"])


async def new_course(api: SimpleNamespace, title: str, seats: int) -> str:
    starts = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
    body = {
        "title": title,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "place": "Folkets hus",
        "seats": seats,
        "signup_deadline": (starts - timedelta(days=2)).isoformat(),
    }
    return str(ok(await api.members.post("/v1/courses", json=body), 201)["id"])


# --- the scenarios ---------------------------------------------------------------------------------


async def test_a_cv_meeting_booked_in_the_call_routes_calls_away_from_the_counsellor_until_it_is_rebooked(
    api: SimpleNamespace, open_all_day: None
) -> None:
    # The meeting starts within a minute and the rebooked one a minute later, so the test waits little:
    # working hours are whole minutes, and a slot grid starts at every working interval's start.
    now = datetime.now(UTC)
    first = (now + timedelta(seconds=25 + 59)).replace(second=0, microsecond=0)
    later = first + timedelta(minutes=1)
    if first.date() != (first + timedelta(hours=1)).date() or (first - timedelta(minutes=10)).date() != now.date():
        pytest.skip("too close to midnight UTC for a same-day working day")
    people = await agents_by_name(api)
    counsellor, colleague, elsewhere = people["Ola"], people["Ingrid"], people["Kari"]
    await wait_available(api, WAGES, 2)

    # 1. A known member calls; routing knows her, members knows her department.
    arrived = await call(api, "2", KNOWN_MEMBER_NUMBER)
    member_id = arrived["call"]["member_id"]
    assert member_id is not None
    department = ok(await api.members.get(f"/v1/members/{member_id}"))["department_id"]
    assert department is not None

    # The counsellor of her department (set through agents), working hours with slots starting at
    # `first` and `later`; a counsellor of another department holds CV meetings too.
    hhmm = "%H:%M"
    hours = [
        {
            "days": DAYS,
            "start": (first - timedelta(minutes=10)).strftime(hhmm),
            "end": (first + timedelta(hours=1)).strftime(hhmm),
        },
        {"days": DAYS, "start": first.strftime(hhmm), "end": (first + timedelta(minutes=15)).strftime(hhmm)},
        {"days": DAYS, "start": later.strftime(hhmm), "end": (later + timedelta(minutes=15)).strftime(hhmm)},
    ]
    ok(await api.agents.patch(f"/v1/agents/{counsellor}", json={"department_id": department, "working_hours": hours}))
    ok(await api.agents.patch(f"/v1/agents/{elsewhere}", json={"department_id": str(uuid.uuid4())}))
    kind = {"name": "CV meeting", "minutes": 15, "book_ahead_days": 30, "min_notice_minutes": 0}
    ok(await api.agents.put("/v1/meeting-kinds/cv", json=kind | {"counsellor_ids": [elsewhere, counsellor]}))

    # 2. The agent in the call books the first free slot of a counsellor of her department.
    in_call = await offered(api, arrived["call"]["call_id"])
    ok(await api.routing.post(f"/v1/offers/{in_call['offer_id']}/accept"))
    free = ok(await api.agents.get("/v1/meeting-kinds/cv/slots", params={"department_id": department}))
    assert {s["counsellor_id"] for s in free} == {counsellor}
    assert (free[0]["starts_at"], free[1]["starts_at"]) == (z(first), z(later))
    assert elsewhere in {s["counsellor_id"] for s in ok(await api.agents.get("/v1/meeting-kinds/cv/slots"))}
    booking = {"kind": "cv", "starts_at": free[0]["starts_at"], "member_id": member_id, "department_id": department}
    refused = await api.agents.post("/v1/meetings", json=booking | {"counsellor_id": elsewhere})
    assert (refused.status_code, refused.json()["field"]) == (422, "department_id")
    meeting = ok(await api.agents.post("/v1/meetings", json=booking | {"counsellor_id": counsellor}), 201)
    assert (meeting["counsellor_id"], meeting["department_id"]) == (counsellor, department)
    ok(
        await api.routing.post(
            f"/v1/calls/{arrived['call']['call_id']}/complete",
            json={"resolution": "resolved", "contact_reason": "invoice"},
        )
    )

    # 3. She calls back before it starts and the meeting is rebooked a minute later.
    moved = ok(await api.agents.post(f"/v1/meetings/{meeting['id']}/reschedule", json={"starts_at": z(later)}))
    assert (moved["starts_at"], moved["ends_at"]) == (z(later), z(later + timedelta(minutes=15)))
    upcoming = ok(await api.agents.get("/v1/meetings", params={"member_id": member_id}))
    assert [(m["id"], m["starts_at"]) for m in upcoming] == [(meeting["id"], z(later))]
    window = {"from": z(first - timedelta(minutes=5)), "to": z(later + timedelta(minutes=20))}
    spans = ok(await api.agents.get(f"/v1/agents/{counsellor}/availability", params=window))["intervals"]
    blocked = [(i["start"], i["end"], i["reason"]) for i in spans if not i["available"]]
    assert blocked == [(z(later), z(later + timedelta(minutes=15)), "meeting")]

    # 4. At the old time the counsellor is free: with the colleague away, routing offers them a call.
    await presence(api, colleague, "away")
    await sleep_until(first + timedelta(seconds=1))
    await wait_available(api, WAGES, 1)
    at_old_time = await call(api, "2")
    taken = await offered(api, at_old_time["call"]["call_id"])
    assert taken["call"]["agent_id"] == counsellor
    await accept_and_complete(api, taken)
    await settle(api)

    # 5. During the meeting routing offers the counsellor nothing: the call waits for the colleague.
    await sleep_until(later + timedelta(seconds=1))
    await wait_available(api, WAGES, 0)
    [snap] = [a for a in ok(await api.agents.get("/v1/agents/snapshots")) if a["agent_id"] == counsellor]
    assert (snap["presence"], snap["blocked"], snap["blocked_reason"]) == ("available", True, "meeting")
    during = await call(api, "2")
    assert during["outcome"] == "queued"
    await asyncio.sleep(3)
    assert (await state(api, during["call"]["call_id"]))["outcome"] == "queued"
    await presence(api, colleague, "available")
    taken = await offered(api, during["call"]["call_id"])
    assert taken["call"]["agent_id"] == colleague
    await accept_and_complete(api, taken)
    started = await api.agents.post(f"/v1/meetings/{meeting['id']}/reschedule", json={"starts_at": z(first)})
    assert (started.status_code, started.json()["error_id"]) == (409, "meeting_started")


async def test_a_full_course_puts_the_member_on_the_waiting_list_and_a_cancellation_moves_them_up(
    api: SimpleNamespace, open_all_day: None
) -> None:
    course = await new_course(api, "Job interview training", seats=1)
    first, second = await new_member(api, 1), await new_member(api, 2)
    seat = ok(await api.members.post(f"/v1/courses/{course}/signups", json={"member_id": first}), 201)
    waiting = ok(await api.members.post(f"/v1/courses/{course}/signups", json={"member_id": second}), 201)
    assert (seat["status"], waiting["status"], waiting["position"]) == ("confirmed", "waiting", 1)
    full = await api.members.post(
        f"/v1/courses/{course}/signups", json={"member_id": await new_member(api, 3), "waitlist": False}
    )
    assert (full.status_code, full.json()["error_id"]) == (409, "course_full")

    cancelled = ok(await api.members.post(f"/v1/signups/{seat['id']}/cancel"))
    assert (cancelled["status"], cancelled["promoted_signup_id"]) == ("cancelled", waiting["id"])
    [moved_up] = ok(await api.members.get(f"/v1/members/{second}/signups"))
    assert (moved_up["id"], moved_up["status"], moved_up["position"]) == (waiting["id"], "confirmed", None)
    view = ok(await api.members.get(f"/v1/courses/{course}"))
    assert (view["seats_taken"], view["waiting"]) == (1, 0)


async def test_fifty_sign_ups_at_once_for_ten_seats_confirm_exactly_ten(
    api: SimpleNamespace, open_all_day: None
) -> None:
    course = await new_course(api, "CV workshop", seats=10)
    members = [await new_member(api, 100 + n) for n in range(50)]
    url = f"/v1/courses/{course}/signups"
    answers = await asyncio.gather(*(api.members.post(url, json={"member_id": m}) for m in members))
    assert Counter(r.status_code for r in answers) == {201: 50}, [r.text for r in answers if r.status_code != 201]
    by_status = Counter(r.json()["status"] for r in answers)
    assert by_status == {"confirmed": 10, "waiting": 40}
    positions = sorted(r.json()["position"] for r in answers if r.json()["status"] == "waiting")
    assert positions == list(range(1, 41))
    view = ok(await api.members.get(f"/v1/courses/{course}"))
    assert (view["seats"], view["seats_taken"], view["waiting"]) == (10, 10, 40)


async def test_fifty_bookings_at_once_of_one_meeting_slot_give_exactly_one_meeting(
    api: SimpleNamespace, open_all_day: None
) -> None:
    counsellor = (await agents_by_name(api))["Astrid"]
    kind = {"name": "Availability meeting", "minutes": 30, "book_ahead_days": 30, "min_notice_minutes": 0}
    ok(await api.agents.put("/v1/meeting-kinds/availability", json=kind | {"counsellor_ids": [counsellor]}))
    after = datetime.now(UTC) + timedelta(hours=3)
    [slot, following] = ok(
        await api.agents.get("/v1/meeting-kinds/availability/slots", params={"from": z(after), "limit": 2})
    )
    body = {"kind": "availability", "counsellor_id": counsellor, "starts_at": slot["starts_at"]}
    answers = await asyncio.gather(
        *(api.agents.post("/v1/meetings", json=body | {"member_id": str(uuid.uuid4())}) for _ in range(50))
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 49}, [
        r.text for r in answers if r.status_code >= 500
    ]
    for lost in (r.json() for r in answers if r.status_code == 409):
        assert (lost["error_id"], lost["field"]) == ("slot_taken", "starts_at")
        assert lost["next_free"] == following
    booked = ok(
        await api.agents.get(
            "/v1/meetings", params={"counsellor_id": counsellor, "from": slot["starts_at"], "to": slot["ends_at"]}
        )
    )
    assert [(m["starts_at"], m["status"]) for m in booked] == [(slot["starts_at"], "booked")]
