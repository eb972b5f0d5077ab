"""The catalogue: listing upcoming courses, PATCH's null rules, more seats moving the waiting up, a
cancelled course told to everyone once, and another tenant's courses, members and sign-ups as 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from frontdoor_members.testing import OTHER_TENANT, create_member, headers

from .conftest import create_course, members, outbox_events, remarks, sign_up


async def test_upcoming_courses_are_listed_the_soonest_first(courses_app: Callable[..., Any]) -> None:
    async with courses_app() as (client, _app):
        later = await create_course(
            client, title="Later", starts_at="2026-12-20T09:00:00Z", ends_at="2026-12-20T15:00:00Z"
        )
        sooner = await create_course(client, title="Sooner")
        await create_course(
            client,
            title="Past",
            starts_at="2026-11-01T09:00:00Z",
            ends_at="2026-11-01T15:00:00Z",
            signup_deadline="2026-10-30T09:00:00Z",
        )
        listed = (await client.get("/v1/courses", headers=headers())).json()
        assert [c["id"] for c in listed] == [sooner["id"], later["id"]]
        r = await client.get("/v1/courses", params={"to": "2026-12-15T00:00:00Z"}, headers=headers())
        assert [c["id"] for c in r.json()] == [sooner["id"]]
        assert (await client.get("/v1/courses", headers=headers(OTHER_TENANT))).json() == []


async def test_patch_leaves_absent_fields_clears_the_place_with_null_and_refuses_null_elsewhere(
    courses_app: Callable[..., Any],
) -> None:
    async with courses_app() as (client, _app):
        course = await create_course(client, seats=1)
        url = f"/v1/courses/{course['id']}"
        for field in ("title", "starts_at", "ends_at", "seats", "signup_deadline", "department_ids"):
            r = await client.patch(url, json={field: None}, headers=headers())
            assert r.status_code == 422, (field, r.text)
            assert r.json()["errors"][0]["field"] == field
        r = await client.patch(url, json={"place": None}, headers=headers())
        assert r.status_code == 200 and r.json()["place"] is None
        assert r.json()["title"] == course["title"] and r.json()["seats"] == 1  # the rest unchanged
        r = await client.patch(url, json={"signup_deadline": "2026-12-11T00:00:00Z"}, headers=headers())
        assert (r.status_code, r.json()["field"]) == (422, "signup_deadline")

        a, b, c = await members(client, 3)
        assert (await sign_up(client, course["id"], a["id"])).json()["status"] == "confirmed"
        waiting_b = (await sign_up(client, course["id"], b["id"])).json()
        waiting_c = (await sign_up(client, course["id"], c["id"])).json()
        r = await client.patch(url, json={"seats": 0}, headers=headers())
        assert r.status_code == 422
        # one more seat: the first waiting moves up, the second stays
        r = await client.patch(url, json={"seats": 2}, headers=headers())
        assert r.status_code == 200 and (r.json()["seats_taken"], r.json()["waiting"]) == (2, 1)
        [mine] = (await client.get(f"/v1/members/{b['id']}/signups", headers=headers())).json()
        assert mine["id"] == waiting_b["id"] and mine["status"] == "confirmed"
        [theirs] = (await client.get(f"/v1/members/{c['id']}/signups", headers=headers())).json()
        assert theirs["id"] == waiting_c["id"] and (theirs["status"], theirs["position"]) == ("waiting", 1)
        # fewer seats than confirmed sign-ups
        r = await client.patch(url, json={"seats": 1}, headers=headers())
        assert (r.status_code, r.json()["field"], r.json()["error_id"]) == (422, "seats", "seats_below_taken")


async def test_a_cancelled_course_tells_everyone_signed_up_or_waiting_once(courses_app: Callable[..., Any]) -> None:
    async with courses_app() as (client, app):
        course = await create_course(client, seats=2)
        people = await members(client, 4)
        signups = [(await sign_up(client, course["id"], m["id"])).json() for m in people[:3]]
        gone = signups[0]
        assert (await client.post(f"/v1/signups/{gone['id']}/cancel", headers=headers())).status_code == 200
        # now: people[1] and people[2] confirmed (2 moved up), nobody waiting; people[3] never signed up
        for _ in range(2):
            r = await client.post(f"/v1/courses/{course['id']}/cancel", headers=headers())
            assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["seats_taken"] == 0
        for m in people[1:3]:
            told = [s for s in await remarks(client, m["id"]) if "was cancelled" in s]
            assert told == [
                "The course 'Grunnkurs for tillitsvalgte' on 2026-12-10 10:00 was cancelled (the member was confirmed)."
            ]
            [mine] = (await client.get(f"/v1/members/{m['id']}/signups", headers=headers())).json()
            assert mine["status"] == "course_cancelled"
        assert not [s for s in await remarks(client, people[0]["id"]) if "was cancelled" in s]
        assert await remarks(client, people[3]["id"]) == []
        [cancelled] = [d for t, d in await outbox_events(app) if t == "members.course.cancelled"]
        assert cancelled["course_id"] == course["id"]
        assert sorted(s["signup_id"] for s in cancelled["signups"]) == sorted(s["id"] for s in signups[1:])
        r = await client.patch(f"/v1/courses/{course['id']}", json={"seats": 5}, headers=headers())
        assert r.status_code == 409 and r.json()["error_id"] == "course_cancelled"


async def test_waiting_members_are_told_too_when_a_course_is_cancelled(courses_app: Callable[..., Any]) -> None:
    async with courses_app() as (client, app):
        course = await create_course(client, seats=1)
        a, b = await members(client, 2)
        await sign_up(client, course["id"], a["id"])
        waiting = (await sign_up(client, course["id"], b["id"])).json()
        assert (await client.post(f"/v1/courses/{course['id']}/cancel", headers=headers())).status_code == 200
        assert (await remarks(client, b["id"]))[0].endswith("was cancelled (the member was waiting).")
        [cancelled] = [d for t, d in await outbox_events(app) if t == "members.course.cancelled"]
        assert {s["signup_id"]: s["was"] for s in cancelled["signups"]}[waiting["id"]] == "waiting"
        # a sign-up of a cancelled course cannot be cancelled again: nothing changes
        r = await client.post(f"/v1/signups/{waiting['id']}/cancel", headers=headers())
        assert r.status_code == 200 and r.json()["status"] == "course_cancelled"


async def test_another_tenants_course_member_and_signup_are_404(courses_app: Callable[..., Any]) -> None:
    async with courses_app() as (client, app):
        course = await create_course(client)
        member = await create_member(client)
        signup = (await sign_up(client, course["id"], member["id"])).json()
        theirs = await create_member(client, tenant=OTHER_TENANT, first_name="Other")
        their_course = await create_course(client, tenant=OTHER_TENANT)
        other = headers(OTHER_TENANT)
        for method, url, body in (
            ("GET", f"/v1/courses/{course['id']}", None),
            ("PATCH", f"/v1/courses/{course['id']}", {"seats": 5}),
            ("POST", f"/v1/courses/{course['id']}/cancel", None),
            ("POST", f"/v1/courses/{course['id']}/signups", {"member_id": theirs["id"]}),
            ("POST", f"/v1/courses/{their_course['id']}/signups", {"member_id": member["id"]}),
            ("POST", f"/v1/signups/{signup['id']}/cancel", None),
            ("GET", f"/v1/members/{member['id']}/signups", None),
        ):
            r = await client.request(method, url, json=body, headers=other)
            assert r.status_code == 404, (method, url, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        # this tenant's course with the other tenant's member, and the other way round
        r = await sign_up(client, course["id"], theirs["id"])
        assert (r.status_code, r.json()["field"]) == (404, "member_id")
        r = await sign_up(client, their_course["id"], member["id"])
        assert r.status_code == 404 and r.json()["error_id"] == "course_not_found"
        seen = (await client.get(f"/v1/courses/{course['id']}", headers=headers())).json()
        assert (seen["status"], seen["seats"], seen["seats_taken"]) == ("open", 2, 1)
        [still] = (await client.get(f"/v1/members/{member['id']}/signups", headers=headers())).json()
        assert still["status"] == "confirmed"
        assert [t for t, _ in await outbox_events(app)] == ["members.course.signed_up"]
