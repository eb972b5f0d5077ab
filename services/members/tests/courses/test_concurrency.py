"""Agents taking the last seats at once, on real concurrency (PostgreSQL's own; SQLite serialises
writers): exactly as many confirmed as there are seats, the rest waiting in positions 1..n; two
cancellations racing promote exactly two, and the same cancellation twice at once counts once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

from frontdoor_members.testing import headers

from .conftest import create_course, members, outbox_events, sign_up


async def test_twenty_concurrent_signups_for_five_seats_give_five_confirmed_and_fifteen_waiting_in_order(
    courses_app: Callable[..., Any],
) -> None:
    async with courses_app() as (client, app):
        course = await create_course(client, seats=5)
        people = await members(client, 20)
        answers = await asyncio.gather(*(sign_up(client, course["id"], m["id"]) for m in people))
        assert [r.status_code for r in answers] == [201] * 20, [r.text for r in answers if r.status_code != 201]
        statuses = Counter(r.json()["status"] for r in answers)
        assert statuses == {"confirmed": 5, "waiting": 15}
        assert sorted(r.json()["position"] for r in answers if r.json()["status"] == "waiting") == list(range(1, 16))
        seen = (await client.get(f"/v1/courses/{course['id']}", headers=headers())).json()
        assert (seen["seats_taken"], seen["waiting"]) == (5, 15)
        events = [d for t, d in await outbox_events(app) if t == "members.course.signed_up"]
        assert Counter(d["status"] for d in events) == {"confirmed": 5, "waiting": 15}


async def test_two_racing_cancellations_promote_exactly_two_and_a_double_cancel_counts_once(
    courses_app: Callable[..., Any],
) -> None:
    async with courses_app() as (client, app):
        course = await create_course(client, seats=2)
        people = await members(client, 5)
        signups = [(await sign_up(client, course["id"], m["id"])).json() for m in people]
        assert [s["status"] for s in signups] == ["confirmed"] * 2 + ["waiting"] * 3
        first, second = signups[0]["id"], signups[1]["id"]
        answers = await asyncio.gather(
            *(client.post(f"/v1/signups/{sid}/cancel", headers=headers()) for sid in (first, second, first, second))
        )
        assert [r.status_code for r in answers] == [200] * 4
        promoted = {r.json()["promoted_signup_id"] for r in answers} - {None}
        assert promoted == {signups[2]["id"], signups[3]["id"]}  # the first two waiting, once each
        seen = (await client.get(f"/v1/courses/{course['id']}", headers=headers())).json()
        assert (seen["seats_taken"], seen["waiting"]) == (2, 1)
        [last] = (await client.get(f"/v1/members/{people[4]['id']}/signups", headers=headers())).json()
        assert (last["status"], last["position"]) == ("waiting", 1)
        types = Counter(t for t, _ in await outbox_events(app))
        assert types["members.course.promoted"] == 2 and types["members.course.signup_cancelled"] == 2
