"""A course's changes tell the member by SMS (members.notice.requested, written with the change):
in the tenant's language, the course's time in its time zone, the place; never the national ID."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from frontdoor_members.notices.models import MemberNotice
from frontdoor_members.testing import ASTRID_NID, context_of, create_member, headers

from .conftest import notices

STARTS = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)  # 10:00 in Oslo and Copenhagen; the clock: 25 November


def course_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Grunnkurs for tillitsvalgte",
        "starts_at": STARTS.isoformat(),
        "ends_at": STARTS.replace(hour=15).isoformat(),
        "place": "Folkets hus, Oslo",
        "seats": 1,
        "signup_deadline": datetime(2026, 12, 1, 12, 0, tzinfo=UTC).isoformat(),
    }
    body.update(overrides)
    return body


async def _course(client: Any, **overrides: Any) -> dict[str, Any]:
    r = await client.post("/v1/courses", json=course_body(**overrides), headers=headers())
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def _member(client: Any, number: str, phone: str | None, **overrides: Any) -> dict[str, Any]:
    phones = [{"number": phone, "kind": "mobile"}] if phone else [{"number": "22 12 34 56", "kind": "home"}]
    values: dict[str, Any] = {"national_id": None, "email": None, **overrides}
    return await create_member(client, member_number=number, phones=phones, **values)


async def _sign_up(client: Any, course_id: str, member_id: str) -> dict[str, Any]:
    r = await client.post(f"/v1/courses/{course_id}/signups", json={"member_id": member_id}, headers=headers())
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_signing_up_waiting_cancelling_and_moving_up_each_tell_the_member(
    members_app: Callable[..., Any],
) -> None:
    async with members_app() as (client, app):
        course = await _course(client)
        astrid = await _member(client, "2000013", "481 23 456", national_id=ASTRID_NID)
        bjorn = await _member(client, "2000021", "+47 926 11 222")
        first = await _sign_up(client, course["id"], astrid["id"])
        await _sign_up(client, course["id"], bjorn["id"])  # the course is full: waiting
        r = await client.post(f"/v1/signups/{first['id']}/cancel", headers=headers())
        assert r.status_code == 200, r.text

        told = [(d["kind"], d["to"], d["body"]) for t, d in await notices(app) if t == "members.notice.requested"]
        assert told == [
            (
                "course_confirmed",
                "+4748123456",
                "Du er påmeldt Grunnkurs for tillitsvalgte, 10.12.2026 kl. 10:00, Folkets hus, Oslo. Velkommen!",
            ),
            (
                "course_waiting",
                "+4792611222",
                "Grunnkurs for tillitsvalgte, 10.12.2026 kl. 10:00, er fullt: du står som nummer 1 på ventelisten. "
                "Vi gir beskjed hvis det blir ledig plass.",
            ),
            (
                "course_signup_cancelled",
                "+4748123456",
                "Du er meldt av Grunnkurs for tillitsvalgte, 10.12.2026 kl. 10:00.",
            ),
            (
                "course_promoted",
                "+4792611222",
                "Det er blitt ledig plass: du er nå påmeldt Grunnkurs for tillitsvalgte, 10.12.2026 kl. 10:00, "
                "Folkets hus, Oslo.",
            ),
        ]
        assert all(ASTRID_NID not in body for _, _, body in told)
        data = [d for _, d in await notices(app)]
        assert {d["member_id"] for d in data} == {astrid["id"], bjorn["id"]}
        assert all(d["not_before"] == d["at"] for d in data)  # sent at once
        async with context_of(app).db.transaction() as session:
            stored = await session.scalar(select(func.count()).select_from(MemberNotice))
        assert stored == 4


async def test_a_cancelled_course_tells_everyone_signed_up_and_skips_a_member_without_a_mobile(
    members_app: Callable[..., Any],
) -> None:
    async with members_app() as (client, app):
        course = await _course(client, seats=2, place=None)
        seated = await _member(client, "2000013", "481 23 456")
        landline = await _member(client, "2000021", None)
        waiting = await _member(client, "2000039", "926 11 222")
        for member in (seated, landline, waiting):
            await _sign_up(client, course["id"], member["id"])
        before = len(await notices(app))
        assert before == 2  # the member with only a home number got no SMS, and was signed up all the same
        for _ in range(2):  # cancelling again tells nobody twice
            r = await client.post(f"/v1/courses/{course['id']}/cancel", headers=headers())
            assert r.status_code == 200, r.text
        cancelled = [(d["to"], d["body"]) for _, d in (await notices(app))[before:]]
        assert cancelled == [
            ("+4748123456", "Grunnkurs for tillitsvalgte, 10.12.2026 kl. 10:00, er avlyst. Vi beklager."),
            ("+4792611222", "Grunnkurs for tillitsvalgte, 10.12.2026 kl. 10:00, er avlyst. Vi beklager."),
        ]


async def test_a_danish_tenant_is_told_in_danish(members_app: Callable[..., Any]) -> None:
    async with members_app() as (client, app):
        r = await client.put("/v1/tenant/settings", json={"country": "DK"}, headers=headers())
        assert r.status_code == 200, r.text
        course = await _course(client, title="Kursus i overenskomst", place="Fagforeningshuset")
        member = await _member(client, "2000013", "20 12 34 56")
        await _sign_up(client, course["id"], member["id"])
        [(_, data)] = await notices(app)
        assert data["to"] == "+4520123456"
        assert (
            data["body"] == "Du er tilmeldt Kursus i overenskomst, 10.12.2026 kl. 10.00, Fagforeningshuset. Velkommen!"
        )
