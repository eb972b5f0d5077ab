"""Signing members up for a course in the call, on real parts: confirmed with a seat and in the
dossier, the event on the broker; a full course puts the member on the waiting list; a
cancellation moves the first waiting up and announces it; refusals name the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontdoor_common.bus import topics
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing.bus import read_envelopes
from frontdoor_members.testing import context_of, create_member, headers

from .conftest import course_body, create_course, members, outbox_events, remarks, sign_up


async def test_a_member_signed_up_in_the_call_has_a_seat_a_dossier_entry_and_an_event_on_the_broker(
    courses_app: Callable[..., Any], kafka_bootstrap: str
) -> None:
    async with courses_app(broker=True) as (client, app):
        course = await create_course(client)
        member = await create_member(client)
        r = await sign_up(client, course["id"], member["id"])
        assert r.status_code == 201, r.text
        signup = r.json()
        assert (signup["status"], signup["position"], signup["course_title"]) == (
            "confirmed",
            None,
            "Grunnkurs for tillitsvalgte",
        )
        seen = (await client.get(f"/v1/courses/{course['id']}", headers=headers())).json()
        assert (seen["seats_taken"], seen["waiting"]) == (1, 0)
        [remark] = await remarks(client, member["id"])
        assert remark == "Signed up for 'Grunnkurs for tillitsvalgte' on 2026-12-10 10:00: a seat is confirmed."
        listed = (await client.get(f"/v1/members/{member['id']}/signups", headers=headers())).json()
        assert [s["id"] for s in listed] == [signup["id"]]

        settings = context_of(app).settings
        envelopes = await read_envelopes(kafka_bootstrap, settings.topic(topics.MEMBERS), want=3)
        [signed] = [e.data for e in envelopes if e.type == "members.course.signed_up"]
        assert signed["signup_id"] == signup["id"] and signed["member_id"] == member["id"]
        assert signed["course_id"] == course["id"] and signed["status"] == "confirmed"
        added = [e.data for e in envelopes if e.type == "members.dossier.entry_added"]
        assert [a["entry_id"] for a in added] == [signed["dossier_entry_id"]]
        # ids only: never the member's name or number, nor the course's title
        assert not any(word in str(signed) for word in ("Astrid", "Fjellheim", "+47", "Grunnkurs"))


async def test_a_full_course_puts_members_on_the_waiting_list_and_a_cancellation_moves_the_first_up(
    courses_app: Callable[..., Any], kafka_bootstrap: str
) -> None:
    async with courses_app(broker=True) as (client, app):
        course = await create_course(client, seats=1)
        a, b, c, d = await members(client, 4)
        first = (await sign_up(client, course["id"], a["id"])).json()
        assert first["status"] == "confirmed"
        second = await sign_up(client, course["id"], b["id"])
        third = await sign_up(client, course["id"], c["id"])
        assert (second.status_code, second.json()["status"], second.json()["position"]) == (201, "waiting", 1)
        assert (third.status_code, third.json()["status"], third.json()["position"]) == (201, "waiting", 2)
        assert "on the waiting list at position 1" in (await remarks(client, b["id"]))[0]
        # asked not to be put on the waiting list: 409 with the position they would get, nothing written
        refused = await sign_up(client, course["id"], d["id"], waitlist=False)
        assert refused.status_code == 409 and refused.json()["error_id"] == "course_full"
        assert refused.json()["waiting_position"] == 3
        assert await remarks(client, d["id"]) == []
        again = await sign_up(client, course["id"], b["id"])
        assert again.status_code == 409 and again.json()["error_id"] == "already_signed_up"

        r = await client.post(f"/v1/signups/{first['id']}/cancel", headers=headers())
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "cancelled" and r.json()["promoted_signup_id"] == second.json()["id"]
        mine = {s["id"]: s for s in (await client.get(f"/v1/members/{b['id']}/signups", headers=headers())).json()}
        assert mine[second.json()["id"]]["status"] == "confirmed"
        [waiting] = (await client.get(f"/v1/members/{c['id']}/signups", headers=headers())).json()
        assert (waiting["status"], waiting["position"]) == ("waiting", 1)
        assert (await remarks(client, b["id"]))[0].startswith("Moved up from the waiting list")
        assert (await remarks(client, a["id"]))[0].startswith("Sign-up for 'Grunnkurs")
        seen = (await client.get(f"/v1/courses/{course['id']}", headers=headers())).json()
        assert (seen["seats_taken"], seen["waiting"]) == (1, 1)

        # cancelling again changes nothing and announces nothing
        before = await outbox_events(app)
        r = await client.post(f"/v1/signups/{first['id']}/cancel", headers=headers())
        assert r.status_code == 200 and r.json()["promoted_signup_id"] is None
        assert await outbox_events(app) == before

        settings = context_of(app).settings
        envelopes = await read_envelopes(kafka_bootstrap, settings.topic(topics.MEMBERS), want=len(before) + 7)
        [promoted] = [e.data for e in envelopes if e.type == "members.course.promoted"]
        assert promoted["signup_id"] == second.json()["id"] and promoted["member_id"] == b["id"]
        assert promoted["status"] == "confirmed"
        [cancelled] = [e.data for e in envelopes if e.type == "members.course.signup_cancelled"]
        assert cancelled["signup_id"] == first["id"] and cancelled["promoted_signup_id"] == second.json()["id"]


async def test_refusals_name_the_field(courses_app: Callable[..., Any], clock: ManualClock) -> None:
    async with courses_app() as (client, app):
        r = await client.post(
            "/v1/departments", json={"code": "BRG", "name": "Avdeling Bergen", "workplaces": []}, headers=headers()
        )
        department = r.json()["id"]
        only_bergen = await create_course(client, department_ids=[department])
        member = await create_member(client)  # of no department
        r = await sign_up(client, only_bergen["id"], member["id"])
        assert (r.status_code, r.json()["field"], r.json()["error_id"]) == (422, "member_id", "not_open_to_member")

        course = await create_course(client)
        cancelled = await create_course(client)
        assert (await client.post(f"/v1/courses/{cancelled['id']}/cancel", headers=headers())).status_code == 200
        r = await sign_up(client, cancelled["id"], member["id"])
        assert (r.status_code, r.json()["field"], r.json()["error_id"]) == (422, "course_id", "course_cancelled")

        clock.advance(days=6)  # 1 December 12:00: the deadline itself still takes sign-ups
        assert (await sign_up(client, course["id"], member["id"])).status_code == 201
        clock.advance(seconds=1)
        other = await create_member(client, member_number="2000099", national_id=None, phones=[])
        r = await sign_up(client, course["id"], other["id"])
        assert (r.status_code, r.json()["field"], r.json()["error_id"]) == (
            422,
            "signup_deadline",
            "signup_deadline_passed",
        )
        assert await remarks(client, other["id"]) == []
        assert [t for t, _ in await outbox_events(app)] == ["members.course.cancelled", "members.course.signed_up"]

        for body, field in (
            ({"signup_deadline": "2026-12-10T09:00:01Z"}, "signup_deadline"),
            ({"ends_at": "2026-12-10T09:00:00Z"}, "ends_at"),
            ({"department_ids": ["6f1c2a34-0000-4000-8000-000000000000"]}, "department_ids"),
            ({"seats": 0}, "seats"),
            # no UTC for it: a 422, not a 500 when it is stored
            ({"starts_at": "0001-01-01T00:00:00+01:00", "signup_deadline": "0001-01-01T00:00:00+01:00"}, "starts_at"),
            ({"ends_at": "9999-12-31T23:59:59-01:00"}, "ends_at"),
        ):
            r = await client.post("/v1/courses", json=course_body(**body), headers=headers())
            assert r.status_code == 422 and (r.json().get("field") or r.json()["errors"][0]["field"]) == field, r.text
        r = await client.get("/v1/courses", params={"from": "0001-01-01T00:00:00+01:00"}, headers=headers())
        assert r.status_code == 422, r.text
