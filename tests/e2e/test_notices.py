"""Notices to members (issue 16) on the whole platform as real processes: a course sign-up and a
meeting booked through the public APIs of members and agents reach the member as SMS through the
surveys service's gateway (the file gateway's output), and rebooking the meeting withdraws the
first reminder and queues a new one.

The processes run on the system clock, so the reminder's sending the day before at 18:00 is shown
in the service tests on a manual clock (services/surveys/tests/notices, services/members/tests/notices).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from e2e_platforms import api_clients, ok, running_platform, z

from frontdoor_common.bus.broker import free_port
from frontdoor_common.testing import eventually
from frontdoor_surveys.gateway.file import read_messages

pytestmark = pytest.mark.slow

RUN = uuid.uuid4().int % 10**6
MOBILE = f"+47 48{RUN:06d}"  # this run's member's mobile
E164 = MOBILE.replace(" ", "")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    var = tmp_path_factory.mktemp("e2e-notices-var")
    # members' mail intake on a port of its own: another platform may be running beside this one
    with running_platform(var, extra_env={"MEMBERS_INTAKE_SMTP_PORT": str(free_port())}) as platform:
        yield platform


@pytest.fixture
async def api(platform: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    async with api_clients(platform) as clients:
        yield clients


async def sms_to(platform: SimpleNamespace, count: int) -> list[str]:
    """The texts the surveys service's file gateway sent to the member, once there are `count`."""

    def texts() -> list[str]:
        return [m["text"] for m in read_messages(platform.var / "sms-outgoing.jsonl") if m["to"] == E164]

    await eventually(lambda: len(texts()) >= count, timeout=60)
    return texts()


async def notices(api: SimpleNamespace, member_id: str) -> dict[str, list[str]]:
    """The surveys service's notices to the member: kind -> statuses, oldest first."""
    items = ok(await api.surveys.get("/v1/notices", params={"member_id": member_id}))["items"]
    found: dict[str, list[str]] = {}
    for item in reversed(items):
        found.setdefault(item["kind"], []).append(item["status"])
    return found


async def test_a_sign_up_and_a_booked_then_moved_meeting_reach_the_member_by_sms(
    platform: SimpleNamespace, api: SimpleNamespace
) -> None:
    body = {
        "member_number": f"8{RUN:06d}",
        "first_name": "Sigrid",
        "last_name": "Notisen",
        "phones": [{"number": MOBILE, "kind": "mobile"}],
    }
    member = ok(await api.members.post("/v1/members", json=body), 201)["id"]

    # a course sign-up in the call: the confirmation SMS names the course and the place
    starts = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
    course = {
        "title": "Grunnkurs for tillitsvalgte",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "place": "Folkets hus",
        "seats": 5,
        "signup_deadline": (starts - timedelta(days=2)).isoformat(),
    }
    course_id = ok(await api.members.post("/v1/courses", json=course), 201)["id"]
    ok(await api.members.post(f"/v1/courses/{course_id}/signups", json={"member_id": member}), 201)
    [confirmed] = await sms_to(platform, 1)
    assert "Grunnkurs for tillitsvalgte" in confirmed and "Folkets hus" in confirmed

    # a CV meeting booked at least two days ahead: a confirmation now, a reminder queued for the day before
    counsellor = {a["name"].split()[0]: a["id"] for a in ok(await api.agents.get("/v1/agents"))}["Astrid"]
    kind = {"name": "CV meeting", "minutes": 30, "book_ahead_days": 30, "min_notice_minutes": 0}
    ok(await api.agents.put("/v1/meeting-kinds/cv", json=kind | {"counsellor_ids": [counsellor]}))
    after = datetime.now(UTC) + timedelta(days=3)
    [slot, *others] = ok(await api.agents.get("/v1/meeting-kinds/cv/slots", params={"from": z(after), "limit": 20}))
    later = next(s for s in others if s["starts_at"][:10] != slot["starts_at"][:10] or s is others[-1])
    booking = {"kind": "cv", "counsellor_id": counsellor, "starts_at": slot["starts_at"], "member_id": member}
    meeting = ok(await api.agents.post("/v1/meetings", json=booking), 201)
    texts = await sms_to(platform, 2)
    assert "CV-samtale" in texts[1]

    async def reminder_queued() -> bool:
        return (await notices(api, member)).get("meeting_reminder") == ["queued"]

    await eventually(reminder_queued, timeout=60)

    # rebooked: the first reminder is withdrawn, a confirmation of the new time goes, a new reminder waits
    ok(await api.agents.post(f"/v1/meetings/{meeting['id']}/reschedule", json={"starts_at": later["starts_at"]}))
    texts = await sms_to(platform, 3)
    assert "flyttet" in texts[2]

    async def moved() -> bool:
        return (await notices(api, member)).get("meeting_reminder") == ["withdrawn", "queued"]

    await eventually(moved, timeout=60)
    found = await notices(api, member)
    assert (found["course_confirmed"], found["meeting_booked"], found["meeting_rescheduled"]) == (
        ["sent"],
        ["sent"],
        ["sent"],
    )
    assert len(await sms_to(platform, 3)) == 3  # no reminder went out
    log = ok(await api.members.get(f"/v1/members/{member}/log"))["entries"]
    assert [e["summary"].split(":")[0] for e in log if e["kind"] == "meeting"] == [
        "Meeting (cv) moved",
        "Meeting (cv) booked",
    ]
