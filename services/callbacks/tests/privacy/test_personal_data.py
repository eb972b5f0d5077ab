"""Callbacks' part in the personal-data lifecycle (issue 17): sealed events, erasure through the
real consumer code, the export endpoint and retention on the manual clock."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from frontdoor_callbacks.callbacks.models import Callback, CallbackAttempt
from frontdoor_callbacks.served.models import AnsweredCall
from frontdoor_callbacks.served.repository import AnsweredCallRepository
from frontdoor_callbacks.testing import (
    OTHER_QUEUE,
    OTHER_TENANT,
    OTHER_TENANTS_QUEUE,
    QUEUE,
    TENANT,
    add_queue,
    context,
    dispatcher,
    know,
    opened,
    outbox_events,
)
from frontdoor_common.auth import mint_token
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.lifecycle import erasure_router, save_windows
from frontdoor_common.privacy.seal import phone_subject
from frontdoor_common.testing import running_app

MEMBER_NUMBER = "+4791234567"
MEMBER_LOCAL = "91234567"
SECOND_NUMBER = "+4792345678"  # the member's too, known to members only (named by digest in the request)
OTHER_NUMBER = "+4793456789"  # another member's
THIRD_QUEUE = uuid.UUID("0000000b-0000-4000-8000-000000000003")
REASON = "question about my dismissal"
NOTE = "left a message about the dismissal"


def auth(tenant: str = TENANT, scopes: list[str] | str = "all") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(tenant_id=tenant, scopes=scopes)}"}


async def request(client: httpx.AsyncClient, number: str, *, tenant: str = TENANT, **extra: Any) -> dict[str, Any]:
    body = {"source": "web", "number": number, "queue_id": str(QUEUE), **extra}
    r = await client.post("/v1/callbacks", json=body, headers=auth(tenant))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def attempt(client: httpx.AsyncClient, callback_id: str, outcome: str, note: str | None = None) -> None:
    body = {"outcome": outcome, **({"note": note} if note else {})}
    r = await client.post(f"/v1/callbacks/{callback_id}/attempts", json=body, headers=auth())
    assert r.status_code == 201, r.text


async def outbox_payloads(app: FastAPI) -> list[str]:
    async with context(app).db.transaction() as s:
        return [str(p) for p in (await s.scalars(select(outbox.c.payload).order_by(outbox.c.id))).all()]


async def erase(app: FastAPI, member_id: uuid.UUID, *, subjects: list[str] | None = None) -> ErasureRequested:
    """Run members' erasure request through the service's real erasure consumer code."""
    runtime = app.state.runtime
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
    event = ErasureRequested(
        erasure_id=uuid.uuid4(),
        tenant_id=TENANT,
        member_id=member_id,
        subjects=list(subjects or []),
        requested_at=context(app).clock.now(),
    )
    async with runtime.db.transaction() as s:
        await router(s, Envelope.wrap(event, tenant=TENANT, source="members"))
    return event


def digest(app: FastAPI, number: str, tenant: str = TENANT) -> str:
    return str(app.state.runtime.sealer.digest(tenant, phone_subject(number)))


async def report(client: httpx.AsyncClient, start: datetime) -> dict[str, Any]:
    r = await client.get(
        "/v1/callbacks/report",
        params={"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()},
        headers=auth(),
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_no_event_in_the_outbox_carries_a_number_or_a_reason_in_clear(app: FastAPI, clock: ManualClock) -> None:
    member = uuid.uuid4()
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        await know(app, "member", TENANT, member)
        with_member = await request(client, MEMBER_LOCAL, member_id=str(member), reason=REASON)
        anonymous = await request(client, OTHER_NUMBER, reason="ring me about my wages")
        assert (await dispatcher(app).tick()).dispatched  # dispatched events
        await attempt(client, with_member["id"], "no_answer", NOTE)  # attempted (a retry)
        clock.advance(minutes=20)
        await dispatcher(app).tick()
        await attempt(client, with_member["id"], "reached")  # attempted + completed
        r = await client.post(
            f"/v1/callbacks/{anonymous['id']}/cancel", json={"reason": "he rang 93456789 back"}, headers=auth()
        )
        assert r.status_code == 200, r.text
        payloads = await outbox_payloads(app)
        types = {e.type for e in await outbox_events(context(app).db)}
        assert {
            "callbacks.callback.requested",
            "callbacks.callback.dispatched",
            "callbacks.callback.attempted",
            "callbacks.callback.completed",
            "callbacks.callback.cancelled",
        } <= types
        for payload in payloads:
            for clear in (MEMBER_NUMBER, MEMBER_LOCAL, OTHER_NUMBER, "93456789", REASON, "wages", "he rang"):
                assert clear not in payload, f"{clear!r} in an outbox row"
        # What consumers need is there, sealed with the service's keys (members' under the member's).
        [completed] = await outbox_events(context(app).db, "callbacks.callback.completed")
        assert await opened(app, TENANT, completed.data["callback"]["number"]) == MEMBER_NUMBER
        assert await opened(app, TENANT, completed.data["callback"]["reason"]) == REASON
        [cancelled] = await outbox_events(context(app).db, "callbacks.callback.cancelled")
        assert await opened(app, TENANT, cancelled.data["reason"]) == "he rang 93456789 back"


async def test_an_erasure_anonymises_the_members_callbacks_cancels_the_open_one_and_shreds_the_numbers(
    app: FastAPI, clock: ManualClock
) -> None:
    member, other_member = uuid.uuid4(), uuid.uuid4()
    start = clock.now() - timedelta(hours=1)
    async with running_app(app) as client:
        queues = ((TENANT, QUEUE), (TENANT, OTHER_QUEUE), (TENANT, THIRD_QUEUE), (OTHER_TENANT, OTHER_TENANTS_QUEUE))
        for tenant, queue in queues:
            await add_queue(app, tenant, queue)
        await know(app, "member", TENANT, member)
        await know(app, "member", TENANT, other_member)
        reached = await request(client, MEMBER_NUMBER, member_id=str(member), reason=REASON)
        # The same number before anyone knew it was the member's, in another queue: theirs too.
        unlinked = await request(client, MEMBER_LOCAL, queue_id=str(OTHER_QUEUE), reason="call me")
        # A number only members knows is the member's (the request names its digest).
        by_digest = await request(client, SECOND_NUMBER, reason="my other phone")
        # Still open, and with routing when the erasure comes: nobody may phone them any more.
        waiting = await request(client, MEMBER_NUMBER, queue_id=str(THIRD_QUEUE), member_id=str(member))
        kept = await request(client, OTHER_NUMBER, member_id=str(other_member), reason="not the member's")
        elsewhere = await request(client, MEMBER_NUMBER, tenant=OTHER_TENANT, queue_id=str(OTHER_TENANTS_QUEUE))
        assert len((await dispatcher(app).tick()).dispatched) == 6
        clock.advance(minutes=5)
        await attempt(client, reached["id"], "reached", NOTE)
        await attempt(client, unlinked["id"], "wrong_number", "not answering")
        await attempt(client, by_digest["id"], "reached")
        await attempt(client, kept["id"], "reached", "kept note")
        before = await report(client, start)
        for e in await outbox_events(context(app).db, "callbacks.callback.requested"):
            assert await opened(app, e.tenant, e.data["callback"]["number"])  # readable until the erasure

        await erase(app, member, subjects=[digest(app, SECOND_NUMBER)])

        erased_ids = [reached["id"], unlinked["id"], by_digest["id"], waiting["id"]]
        for callback_id in erased_ids:
            r = await client.get(f"/v1/callbacks/{callback_id}", headers=auth())
            got = r.json()
            assert (got["number"], got["reason"], got["member_id"]) == ("", None, None), got
            assert all(a["note"] is None for a in got["attempt_log"])
        got_waiting = (await client.get(f"/v1/callbacks/{waiting['id']}", headers=auth())).json()
        assert got_waiting["status"] == "cancelled"
        [cancel] = await outbox_events(context(app).db, "callbacks.callback.cancelled")
        assert (cancel.data["callback"]["callback_id"], cancel.data["reason"]) == (waiting["id"], "member_erased")
        assert cancel.data["callback"]["number"] == "" and cancel.data["callback"]["member_id"] is None
        # The answer to members: what was done and kept, the keys of the member's numbers erased.
        [done] = await outbox_events(context(app).db, "callbacks.erasure.completed")
        assert done.data["report"]["done"] == {
            "callbacks": 4,
            "callbacks_cancelled": 1,
            "callback_attempt_notes": 2,
            "known_members": 1,
        }
        assert done.data["report"]["kept"] and done.data["report"]["keys_shredded"] >= 2
        # Every copy of the numbers and reasons in the event log is unreadable from now on.
        for e in await outbox_events(context(app).db):
            if e.type.startswith("callbacks.callback.") and e.data["callback"]["callback_id"] in erased_ids:
                assert await opened(app, TENANT, e.data["callback"]["number"] or None) is None
                assert await opened(app, TENANT, e.data["callback"]["reason"]) is None
        # No REST answer has the member's numbers or texts any more; others' data is untouched.
        listing = await client.get("/v1/callbacks", params={"limit": 100}, headers=auth())
        text = listing.text
        for clear in (MEMBER_NUMBER, SECOND_NUMBER, REASON, NOTE, "call me", "my other phone", str(member)):
            assert clear not in text
        assert listing.json()["total"] == 5  # rows kept (the report counts them)
        got_kept = (await client.get(f"/v1/callbacks/{kept['id']}", headers=auth())).json()
        assert (got_kept["number"], got_kept["reason"], got_kept["member_id"]) == (
            OTHER_NUMBER,
            "not the member's",
            str(other_member),
        )
        assert got_kept["attempt_log"][0]["note"] == "kept note"
        [kept_event] = [
            e
            for e in await outbox_events(context(app).db, "callbacks.callback.requested")
            if e.data["callback"]["callback_id"] == kept["id"]
        ]
        assert await opened(app, TENANT, kept_event.data["callback"]["number"]) == OTHER_NUMBER
        got_elsewhere = (await client.get(f"/v1/callbacks/{elsewhere['id']}", headers=auth(OTHER_TENANT))).json()
        assert got_elsewhere["number"] == MEMBER_NUMBER  # another tenant's caller: not this erasure's
        # The figures stay: only the callback that was waiting left the open ones.
        after = await report(client, start)
        assert after["pending"] == before["pending"] - 1
        for figure in ("requested", "completed", "expired", "success_rate", "deadlines_missed"):
            assert after[figure] == before[figure], figure
        assert after["time_to_callback_seconds"] == before["time_to_callback_seconds"]
        # The dispatcher never hands it out again; a callback for the erased member is refused
        # unless members vouches for them (the mirror forgot the id).
        clock.advance(hours=1)
        assert waiting["id"] not in (await dispatcher(app).tick()).dispatched
        r = await client.post(
            "/v1/callbacks",
            json={"source": "web", "number": MEMBER_NUMBER, "queue_id": str(QUEUE), "member_id": str(member)},
            headers=auth(),
        )
        assert r.json()["error_id"] in ("member_not_found", "member_unverifiable"), r.text

        # A second run (a redelivery after a crash) changes nothing and says so.
        await erase(app, member, subjects=[digest(app, SECOND_NUMBER)])
        second = (await outbox_events(context(app).db, "callbacks.erasure.completed"))[-1]
        assert set(second.data["report"]["done"].values()) == {0}
        assert second.data["report"]["keys_shredded"] == 0
        assert len(await outbox_events(context(app).db, "callbacks.callback.cancelled")) == 1


async def test_the_export_streams_the_members_callbacks_and_attempts_and_nothing_else(
    app: FastAPI, clock: ManualClock
) -> None:
    member, other_member = uuid.uuid4(), uuid.uuid4()
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        await add_queue(app, TENANT, OTHER_QUEUE)
        await add_queue(app, OTHER_TENANT, OTHER_TENANTS_QUEUE)
        await know(app, "member", TENANT, member)
        await know(app, "member", TENANT, other_member)
        mine = await request(client, MEMBER_NUMBER, member_id=str(member), reason=REASON)
        from_my_number = await request(client, MEMBER_LOCAL, queue_id=str(OTHER_QUEUE))
        theirs = await request(client, OTHER_NUMBER, member_id=str(other_member))
        await request(client, MEMBER_NUMBER, tenant=OTHER_TENANT, queue_id=str(OTHER_TENANTS_QUEUE))
        await dispatcher(app).tick()
        await attempt(client, mine["id"], "no_answer", NOTE)
        await attempt(client, theirs["id"], "reached", "their note")

        r = await client.get(f"/internal/v1/personal-data/members/{member}", headers=auth(scopes=["privacy:export"]))
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.text.splitlines()]
        assert {line["service"] for line in lines} == {"callbacks"}
        callbacks = {line["item"]["id"]: line["item"] for line in lines if line["section"] == "callbacks"}
        assert set(callbacks) == {mine["id"], from_my_number["id"]}
        assert callbacks[mine["id"]]["number"] == MEMBER_NUMBER and callbacks[mine["id"]]["reason"] == REASON
        assert callbacks[mine["id"]]["member_id"] == str(member)
        [tried] = [line["item"] for line in lines if line["section"] == "attempts"]
        assert (tried["callback_id"], tried["note"], tried["outcome"]) == (mine["id"], NOTE, "no_answer")

        # Without the scope: refused; another tenant's token: nothing of this tenant's member.
        no_scope = await client.get(
            f"/internal/v1/personal-data/members/{member}", headers=auth(scopes=["callbacks:read"])
        )
        assert no_scope.status_code == 403
        foreign = await client.get(
            f"/internal/v1/personal-data/members/{member}", headers=auth(OTHER_TENANT, scopes=["privacy:export"])
        )
        assert (foreign.status_code, foreign.text) == (200, "")
        bad = await client.get("/internal/v1/personal-data/members/not-a-uuid", headers=auth(scopes=["privacy:export"]))
        assert bad.status_code == 422

        # After the erasure the member has nothing left here.
        await erase(app, member)
        after = await client.get(
            f"/internal/v1/personal-data/members/{member}", headers=auth(scopes=["privacy:export"])
        )
        assert (after.status_code, after.text) == (200, "")


async def _closed_at(app: FastAPI, callback_id: str) -> datetime:
    async with context(app).db.transaction() as s:
        cb: Callback | None = await s.get(Callback, uuid.UUID(callback_id))
        assert cb is not None and cb.closed_at is not None
        closed: datetime = cb.closed_at
        return closed


async def test_retention_anonymises_exactly_the_callbacks_closed_before_the_cutoff_and_drops_old_answered_calls(
    app: FastAPI, clock: ManualClock
) -> None:
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        await add_queue(app, OTHER_TENANT, OTHER_TENANTS_QUEUE)
        older = await request(client, MEMBER_NUMBER, reason=REASON)
        newer = await request(client, OTHER_NUMBER, reason="stays")
        still_open = await request(client, SECOND_NUMBER, reason="open")
        foreign = await request(client, MEMBER_NUMBER, tenant=OTHER_TENANT, queue_id=str(OTHER_TENANTS_QUEUE))
        await dispatcher(app).tick()
        await attempt(client, older["id"], "reached", NOTE)
        r = await client.post(
            f"/v1/callbacks/{foreign['id']}/attempts", json={"outcome": "reached"}, headers=auth(OTHER_TENANT)
        )
        assert r.status_code == 201, r.text
        t0 = await _closed_at(app, older["id"])
        clock.advance(seconds=2)
        await attempt(client, newer["id"], "reached", "stays too")
        assert await _closed_at(app, newer["id"]) == t0 + timedelta(seconds=2)
        async with context(app).db.transaction() as s:
            repo = AnsweredCallRepository(s)
            old_call, new_call, foreign_call = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            await repo.remember(TENANT, old_call, t0, clock.now())
            await repo.remember(TENANT, new_call, t0 + timedelta(seconds=2), clock.now())
            await repo.remember(OTHER_TENANT, foreign_call, t0, clock.now())
            await save_windows(s, TENANT, {"callbacks": 30, "call_records": 30}, clock.now())

        now = t0 + timedelta(days=30, seconds=1)  # cutoff = t0 + 1 s: older at cutoff - 1 s, newer at cutoff + 1 s
        done = await app.state.runtime.retention.run_once(now)
        assert {(d["kind"], d["deleted"], d["anonymised"]) for d in done} == {
            ("callbacks", 0, 1),
            ("call_records", 1, 0),
        }
        assert all(d["cutoff"] == t0 + timedelta(seconds=1) for d in done)

        got = {
            cb: (await client.get(f"/v1/callbacks/{cb}", headers=auth())).json()
            for cb in (older["id"], newer["id"], still_open["id"])
        }
        assert (got[older["id"]]["number"], got[older["id"]]["reason"]) == ("", None)
        assert got[older["id"]]["attempt_log"][0]["note"] is None
        assert got[older["id"]]["status"] == "completed"  # still counted
        assert (got[newer["id"]]["number"], got[newer["id"]]["reason"]) == (OTHER_NUMBER, "stays")
        assert got[newer["id"]]["attempt_log"][0]["note"] == "stays too"
        assert (got[still_open["id"]]["number"], got[still_open["id"]]["reason"]) == (SECOND_NUMBER, "open")
        foreign_got = (await client.get(f"/v1/callbacks/{foreign['id']}", headers=auth(OTHER_TENANT))).json()
        assert foreign_got["number"] == MEMBER_NUMBER  # no window set for that tenant
        async with context(app).db.transaction() as s:
            calls = {(c.tenant_id, c.call_id) for c in (await s.scalars(select(AnsweredCall))).all()}
            notes = {a.note for a in (await s.scalars(select(CallbackAttempt))).all()}
        assert calls == {(TENANT, new_call), (OTHER_TENANT, foreign_call)}
        assert NOTE not in notes
        applied = await outbox_events(context(app).db, "callbacks.retention.applied")
        assert {(e.data["kind"], e.data["deleted"], e.data["anonymised"]) for e in applied} == {
            ("callbacks", 0, 1),
            ("call_records", 1, 0),
        }

        # The next run finds nothing more; a second later the newer one's turn comes.
        again = await app.state.runtime.retention.run_once(now)
        assert {(d["kind"], d["deleted"], d["anonymised"]) for d in again} == {
            ("callbacks", 0, 0),
            ("call_records", 0, 0),
        }
        later = await app.state.runtime.retention.run_once(now + timedelta(seconds=2))
        assert {(d["kind"], d["deleted"], d["anonymised"]) for d in later} == {
            ("callbacks", 0, 1),
            ("call_records", 1, 0),
        }
        still = (await client.get(f"/v1/callbacks/{still_open['id']}", headers=auth())).json()
        assert (still["number"], still["status"]) == (SECOND_NUMBER, "dispatched")  # open: never touched
