"""Routing's part in the personal-data lifecycle (issue 17), on the in-process app: the caller's
number sealed in every event, a member's export, erasure through the real consumer code (KPIs
unchanged), and the `call_records` retention window on a manual clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.events import Envelope
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import AgentSnapshot
from frontdoor_common.events.members import MessageAnswered, MessageReceived
from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.privacy.lifecycle import erasure_router, save_windows
from frontdoor_common.privacy.seal import Sealer, is_sealed, phone_subject
from frontdoor_common.privacy.tables import seal_keys
from frontdoor_common.testing import auth, running_app
from frontdoor_routing.agents.service import upsert_agent
from frontdoor_routing.app import create_app
from frontdoor_routing.calls.identification import Identification
from frontdoor_routing.calls.schemas import CallCreate, CompletionCreate
from frontdoor_routing.calls.service import abandon, arrive, complete
from frontdoor_routing.context import RoutingContext
from frontdoor_routing.engine.fencing import Lease, ShardFenced
from frontdoor_routing.models import Call
from frontdoor_routing.offers.service import accept_offer
from frontdoor_routing.settings import Settings
from frontdoor_routing.tasks.models import Task
from frontdoor_routing.tasks.service import message_answered, receive_message

from ..conftest import MONDAY_9, OTHER_TENANT, TENANT

NUMBER = "+4790000001"  # the member's phone
OTHER_NUMBER = "+4790000002"  # another member's


@dataclass
class App:
    """The routing app in process (no broker: events stay in the outbox), on a manual clock."""

    app: Any
    client: httpx.AsyncClient
    clock: ManualClock

    @property
    def ctx(self) -> RoutingContext:
        parts = self.app.state.runtime.parts
        assert isinstance(parts, RoutingContext)
        return parts

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def sealer(self) -> Sealer:
        sealer = self.runtime.sealer
        assert isinstance(sealer, Sealer)
        return sealer

    def headers(self, tenant: str = TENANT, scopes: str | list[str] = "all") -> dict[str, str]:
        return auth(mint_token(tenant_id=tenant, scopes=scopes))

    async def queue(self, tenant: str = TENANT, **body: Any) -> uuid.UUID:
        body.setdefault("name", f"Queue {uuid.uuid4().hex[:4]}")
        body.setdefault("ivr_digit", "1")
        r = await self.client.post("/v1/queues", json=body, headers=self.headers(tenant))
        assert r.status_code == 201, r.text
        return uuid.UUID(r.json()["id"])

    async def agent(self, queue: uuid.UUID, tenant: str = TENANT, presence: str = "available") -> uuid.UUID:
        agent_id = uuid.uuid4()
        snap = AgentSnapshot.model_validate(
            {
                "agent_id": agent_id,
                "tenant_id": tenant,
                "name": "Agent",
                "presence": presence,
                "presence_since": self.clock.now(),
                "available": presence == "available",
                "queues": [{"queue_id": queue, "proficiency": 3}],
            }
        )
        async with self.ctx.engine.mutation(tenant) as m:
            await upsert_agent(m, snap, self.clock.now())
        return agent_id

    async def arrive(
        self, cti: str, number: str | None, member: uuid.UUID | None, tenant: str = TENANT, ivr: str = "1"
    ) -> Any:
        who = Identification(member, 1 if member else 0, answered=True)
        body = CallCreate(cti_call_id=cti, caller_number=number, ivr_digit=ivr)
        view, _created = await arrive(self.ctx.engine, tenant, body, who)
        return view

    async def handled(self, cti: str, number: str | None, member: uuid.UUID | None, tenant: str = TENANT) -> uuid.UUID:
        """A call offered, answered after 5 s, talked 60 s, wrapped up (the queue has no wrap-up): completed."""
        view = await self.arrive(cti, number, member, tenant)
        assert view.offer_id is not None, view
        self.clock.advance(seconds=5)
        await accept_offer(self.ctx.engine, tenant, view.offer_id)
        self.clock.advance(seconds=60)
        await complete(self.ctx.engine, tenant, view.call.call_id, CompletionCreate())
        await self.ctx.engine.advance(tenant)
        return uuid.UUID(str(view.call.call_id))

    async def abandoned(
        self, cti: str, number: str | None, member: uuid.UUID | None, tenant: str = TENANT, ivr: str = "1"
    ) -> uuid.UUID:
        """A call that waits (its queue's agents are away) and is abandoned after 30 s."""
        view = await self.arrive(cti, number, member, tenant, ivr)
        assert view.outcome == "queued", view
        self.clock.advance(seconds=30)
        await abandon(self.ctx.engine, tenant, view.call.call_id)
        return uuid.UUID(str(view.call.call_id))

    async def task(self, member: uuid.UUID | None, tenant: str = TENANT, *, answered: bool = False) -> uuid.UUID:
        """A member's message as a task (queued; `answered`: its reply queued at once, so it ended now)."""
        event = MessageReceived.model_validate(
            {
                "message_id": uuid.uuid4(),
                "tenant_id": tenant,
                "channel": "email",
                "member_id": member,
                "received_at": self.clock.now(),
            }
        )
        async with self.ctx.engine.mutation(tenant) as m:
            task = await receive_message(m, event)
        if answered:
            reply = MessageAnswered.model_validate(
                {**event.model_dump(exclude={"received_at"}), "answered_at": self.clock.now()}
            )
            async with self.ctx.engine.mutation(tenant) as m:
                await message_answered(m, reply)
        return uuid.UUID(str(task.id))

    async def call_row(self, call_id: uuid.UUID) -> Call:
        async with self.runtime.db.snapshot() as session:
            row = await session.get(Call, call_id)
        assert row is not None
        return row

    async def task_row(self, task_id: uuid.UUID) -> Task:
        async with self.runtime.db.snapshot() as session:
            row = await session.get(Task, task_id)
        assert row is not None
        return row

    async def outbox(self, tenant: str = TENANT) -> list[tuple[str, Envelope]]:
        """(raw payload, envelope) of every event in the outbox for the tenant."""
        async with self.runtime.db.snapshot() as session:
            rows = (
                await session.execute(select(outbox.c.payload).where(outbox.c.tenant == tenant).order_by(outbox.c.id))
            ).all()
        return [(payload, Envelope.model_validate_json(payload)) for (payload,) in rows]

    async def open(self, value: str | None, tenant: str = TENANT) -> str | None:
        async with self.runtime.db.snapshot() as session:
            return await self.sealer.open_own(session, tenant, value)

    async def kpis(self, tenant: str = TENANT) -> dict[str, Any]:
        r = await self.client.get(
            "/v1/kpis",
            params={
                "from": (MONDAY_9 - timedelta(hours=1)).isoformat(),
                "to": (MONDAY_9 + timedelta(days=1)).isoformat(),
            },
            headers=self.headers(tenant),
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def erase(self, member: uuid.UUID, tenant: str = TENANT, numbers: tuple[str, ...] = ()) -> None:
        """The members service's erasure request, handled by the real erasure consumer code; `numbers`
        are the member's numbers members knows (named in the request as keyed digests)."""
        router = erasure_router(self.runtime, self.runtime.spec.privacy, self.runtime.parts)
        sealer = self.runtime.sealer
        assert sealer is not None
        request = ErasureRequested(
            erasure_id=uuid.uuid4(),
            tenant_id=tenant,
            member_id=member,
            requested_at=self.clock.now(),
            subjects=[sealer.digest(tenant, phone_subject(n)) for n in numbers],
        )
        async with self.runtime.db.transaction() as session:
            await router(session, Envelope.wrap(request, tenant=tenant, source="members"))

    async def reports(self, tenant: str = TENANT) -> list[dict[str, Any]]:
        """The `routing.erasure.completed` reports in the outbox, in order."""
        return [e.data["report"] for _raw, e in await self.outbox(tenant) if e.type == "routing.erasure.completed"]


@pytest.fixture
async def svc(db_url: str, tmp_path: Path) -> AsyncIterator[App]:
    settings = Settings(
        environment="test",
        database_url=db_url,
        kafka_bootstrap_servers=None,
        known_agent_preference_seconds=0,
        var_dir=tmp_path / "var",
        log_json=True,
        log_level="WARNING",
        otel_enabled=False,
    )
    clock = ManualClock(MONDAY_9)
    app = create_app(settings, clock=clock)
    async with running_app(app) as client:
        yield App(app, client, clock)


@contextmanager
def statements(svc: App) -> Iterator[list[str]]:
    """The SQL statements the service's database runs meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = svc.runtime.db.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


# ------------------------------------------------------------------------------------ sealing


async def test_every_event_of_a_call_carries_the_callers_number_sealed_and_staff_see_it_clear(svc: App) -> None:
    q = await svc.queue()
    await svc.agent(q)
    r = await svc.client.post(
        "/v1/calls", json={"cti_call_id": "c1", "caller_number": "90000001", "ivr_digit": "1"}, headers=svc.headers()
    )
    assert r.status_code == 201, r.text
    call_id = r.json()["call"]["call_id"]
    assert r.json()["call"]["caller_number"] == NUMBER  # the CTI's answer: clear
    offer = uuid.UUID(r.json()["offer_id"])
    svc.clock.advance(seconds=3)
    await accept_offer(svc.ctx.engine, TENANT, offer)
    got = await svc.client.get(f"/v1/calls/{call_id}", headers=svc.headers())
    assert got.json()["call"]["caller_number"] == NUMBER  # staff's REST view: clear
    assert (await svc.call_row(uuid.UUID(call_id))).caller_number == NUMBER  # the row: clear

    events = [(raw, e) for raw, e in await svc.outbox() if "call" in e.data]
    assert [e.type for _raw, e in events] == [
        "routing.call.arrived",
        "routing.call.queued",
        "routing.call.offered",
        "routing.call.answered",
    ]
    for raw, e in events:
        assert "90000001" not in raw  # no copy of the number anywhere in the payload
        sealed = e.data["call"]["caller_number"]
        assert is_sealed(sealed) and sealed.startswith("sealed:v1:routing:")
        assert await svc.open(sealed) == NUMBER
    assert await svc.open(events[0][1].data["call"]["caller_number"], tenant=OTHER_TENANT) is None


async def test_a_number_already_seen_is_sealed_with_its_cached_key_and_no_statement(svc: App) -> None:
    await svc.queue()
    with statements(svc) as first:
        await svc.arrive("a", NUMBER, None)  # nobody logged in: arrived + rejected, two events
    assert sum("seal_keys" in s for s in first) == 2  # the key looked up, then created (one transaction)
    with statements(svc) as second:
        await svc.arrive("b", NUMBER, None)
    assert not [s for s in second if "seal_keys" in s]  # the committed key, from the cache
    async with svc.runtime.db.snapshot() as session:
        keys = (await session.execute(select(seal_keys.c.kid))).all()
    assert len(keys) == 1
    raws = [e.data["call"]["caller_number"] for _raw, e in await svc.outbox() if "call" in e.data]
    assert len(raws) == 4 and {r.split(":")[3] for r in raws} == {keys[0].kid}
    assert svc.sealer.cache_s == svc.ctx.settings.seal_cache_s == 3600.0  # a call's later events: no lookup


async def test_a_call_without_a_number_publishes_none(svc: App) -> None:
    await svc.queue()
    await svc.arrive("anon", None, None)
    assert {e.data["call"]["caller_number"] for _raw, e in await svc.outbox() if "call" in e.data} == {None}


# ------------------------------------------------------------------------------------- export


async def test_the_export_has_the_members_calls_and_tasks_and_nothing_for_another_tenant(svc: App) -> None:
    member, other = uuid.uuid4(), uuid.uuid4()
    q = await svc.queue()
    await svc.agent(q)
    await svc.agent(await svc.queue(ivr_digit="2"), presence="away")
    handled = await svc.handled("m1", NUMBER, member)
    left = await svc.abandoned("m2", NUMBER, member, ivr="2")
    await svc.handled("o1", OTHER_NUMBER, other)
    task = await svc.task(member)
    await svc.task(other)

    r = await svc.client.get(
        f"/internal/v1/personal-data/members/{member}", headers=svc.headers(scopes=["privacy:export"])
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson"), r.text
    lines = [json.loads(line) for line in r.text.splitlines() if line]
    assert {line["service"] for line in lines} == {"routing"}
    calls = {line["item"]["id"]: line["item"] for line in lines if line["section"] == "calls"}
    tasks = [line["item"] for line in lines if line["section"] == "tasks"]
    assert set(calls) == {str(handled), str(left)}
    assert {c["caller_number"] for c in calls.values()} == {NUMBER}  # the member's own data: clear
    assert calls[str(handled)]["state"] == "completed" and calls[str(left)]["state"] == "abandoned"
    assert [t["id"] for t in tasks] == [str(task)] and tasks[0]["member_id"] == str(member)

    elsewhere = await svc.client.get(
        f"/internal/v1/personal-data/members/{member}", headers=svc.headers(OTHER_TENANT, ["privacy:export"])
    )
    assert elsewhere.status_code == 200 and elsewhere.text == ""
    refused = await svc.client.get(
        f"/internal/v1/personal-data/members/{member}", headers=svc.headers(scopes=["calls:read"])
    )
    assert refused.status_code == 403
    bad = await svc.client.get(
        "/internal/v1/personal-data/members/nope", headers=svc.headers(scopes=["privacy:export"])
    )
    assert bad.status_code == 422 and "member_id" in bad.text


# ------------------------------------------------------------------------------------ erasure


async def test_an_erasure_anonymises_the_members_calls_and_tasks_and_the_kpis_stay(svc: App) -> None:
    member, other = uuid.uuid4(), uuid.uuid4()
    q = await svc.queue()
    await svc.agent(q)
    await svc.agent(await svc.queue(ivr_digit="2"), presence="away")
    handled = await svc.handled("m1", NUMBER, member)
    stranger = await svc.handled("o1", OTHER_NUMBER, other)
    left = await svc.abandoned("m2", NUMBER, member, ivr="2")
    task = await svc.task(member)
    q2 = await svc.queue(OTHER_TENANT)
    await svc.agent(q2, OTHER_TENANT)
    elsewhere = await svc.handled("x1", NUMBER, member, OTHER_TENANT)  # the same ids in another tenant
    before = await svc.kpis()
    assert before["total"]["offered"] == 3 and before["total"]["answered"] == 2 and before["total"]["abandoned"] == 1
    sealed_mine = [e.data["call"]["caller_number"] for _r, e in await svc.outbox() if e.subject == str(handled)]
    sealed_other = [e.data["call"]["caller_number"] for _r, e in await svc.outbox() if e.subject == str(stranger)]
    sealed_elsewhere = [
        e.data["call"]["caller_number"] for _r, e in await svc.outbox(OTHER_TENANT) if e.subject == str(elsewhere)
    ]
    assert await svc.open(sealed_mine[0]) == NUMBER

    await svc.erase(member)

    for call_id in (handled, left):
        row = await svc.call_row(call_id)
        assert (row.caller_number, row.member_id) == (None, None)
    assert (await svc.task_row(task)).member_id is None
    kept = await svc.call_row(stranger)
    assert (kept.caller_number, kept.member_id) == (OTHER_NUMBER, other)
    untouched = await svc.call_row(elsewhere)
    assert (untouched.caller_number, untouched.member_id) == (NUMBER, member)
    got = await svc.client.get(f"/v1/calls/{handled}", headers=svc.headers())
    assert got.status_code == 200 and got.json()["call"]["caller_number"] is None
    assert NUMBER not in got.text and str(member) not in got.text

    assert await svc.kpis() == before  # the aggregates count the anonymous calls as before
    for value in sealed_mine:  # every published copy of the member's number: unreadable
        assert await svc.open(value) is None
    assert {await svc.open(v) for v in sealed_other} == {OTHER_NUMBER}
    assert {await svc.open(v, OTHER_TENANT) for v in sealed_elsewhere} == {NUMBER}  # another tenant's key

    reports = await svc.reports()
    assert reports[0]["done"] == {"calls": 2, "unidentified_calls": 0, "tasks": 1} and reports[0]["kept"]
    assert reports[0]["keys_shredded"] == 1  # the number's key (the member's own: routing made none)

    await svc.erase(member)  # again (a redelivery, a second request): nothing more to do
    assert (await svc.reports())[1] == {
        "done": {"calls": 0, "unidentified_calls": 0, "tasks": 0},
        "kept": reports[0]["kept"],
        "keys_shredded": 0,
    }
    assert await svc.kpis() == before
    export = await svc.client.get(
        f"/internal/v1/personal-data/members/{member}", headers=svc.headers(scopes=["privacy:export"])
    )
    assert export.status_code == 200 and export.text == ""


async def test_a_live_call_of_an_erased_member_goes_on_without_the_number(svc: App) -> None:
    member = uuid.uuid4()
    q = await svc.queue()
    await svc.agent(q)
    view = await svc.arrive("live", NUMBER, member)
    assert view.offer_id is not None
    await svc.erase(member)
    svc.clock.advance(seconds=4)
    answered = await accept_offer(svc.ctx.engine, TENANT, view.offer_id)  # the engine's memory held no number
    assert answered.call.caller_number is None and answered.call.member_id is None
    last = [e for _r, e in await svc.outbox() if e.type == "routing.call.answered"]
    assert last[-1].data["call"]["caller_number"] is None and last[-1].data["call"]["member_id"] is None


# ---------------------------------------------------------------------------------- retention


async def test_call_records_past_the_window_are_anonymised_to_the_second(svc: App) -> None:
    member = uuid.uuid4()
    q = await svc.queue()
    await svc.agent(q, presence="away")  # calls wait
    live = (await svc.arrive("waiting", NUMBER, member)).call.call_id
    early = (await svc.arrive("early", NUMBER, member)).call.call_id
    late = (await svc.arrive("late", NUMBER, member)).call.call_id
    svc.clock.advance(seconds=30)
    await abandon(svc.ctx.engine, TENANT, early)  # ended at T
    svc.clock.advance(seconds=2)
    await abandon(svc.ctx.engine, TENANT, late)  # ended at T + 2 s
    old_task = await svc.task(member, answered=True)  # ended at T + 2 s
    ended_early = (await svc.call_row(early)).abandoned_at
    ended_late = (await svc.call_row(late)).abandoned_at
    assert ended_early is not None and ended_late == ended_early + timedelta(seconds=2)
    before = await svc.kpis()

    cutoff = ended_early + timedelta(seconds=1)
    now = cutoff + timedelta(days=30)
    async with svc.runtime.db.transaction() as session:
        await save_windows(session, TENANT, {"call_records": 30}, now)
    done = await svc.runtime.retention.run_once(now)
    assert [(d["kind"], d["cutoff"], d["deleted"], d["anonymised"]) for d in done] == [("call_records", cutoff, 0, 1)]
    gone = await svc.call_row(early)
    assert (gone.caller_number, gone.member_id) == (None, None)  # ended at cutoff - 1 s
    stays = await svc.call_row(late)
    assert (stays.caller_number, stays.member_id) == (NUMBER, member)  # ended after the cutoff
    assert (await svc.task_row(old_task)).member_id == member
    waiting = await svc.call_row(uuid.UUID(str(live)))
    assert waiting.member_id == member  # a live call is never touched
    assert await svc.kpis() == before

    # the window passes the late call and the task too; the live call stays
    later = ended_late + timedelta(seconds=1, days=30)
    done = await svc.runtime.retention.run_once(later)
    assert [d["anonymised"] for d in done] == [2]
    assert (await svc.call_row(late)).caller_number is None and (await svc.task_row(old_task)).member_id is None
    assert (await svc.call_row(uuid.UUID(str(live)))).caller_number == NUMBER
    assert [d["anonymised"] for d in await svc.runtime.retention.run_once(later)] == [0]
    applied = [e.data for _r, e in await svc.outbox() if e.type == "routing.retention.applied"]
    assert [a["anonymised"] for a in applied] == [1, 2, 0]
    assert await svc.kpis() == before


async def test_retention_leaves_another_tenants_calls_alone(svc: App) -> None:
    member = uuid.uuid4()
    await svc.agent(await svc.queue(OTHER_TENANT), OTHER_TENANT, presence="away")
    other = await svc.abandoned("x", NUMBER, member, OTHER_TENANT)
    now = svc.clock.now() + timedelta(days=400)
    async with svc.runtime.db.transaction() as session:
        await save_windows(session, TENANT, {"call_records": 30}, now)
    await svc.runtime.retention.run_once(now)
    assert (await svc.call_row(other)).caller_number == NUMBER


async def test_a_fenced_process_erases_nothing(svc: App) -> None:
    member = uuid.uuid4()
    await svc.queue()
    call = (await svc.arrive("f", NUMBER, member)).call.call_id  # nobody logged in: closed at once
    newer = Lease(svc.runtime.db, svc.ctx.settings.shard, holder="newer")
    await newer.take(svc.clock.now())  # a newer routing process took the shard
    with pytest.raises(ShardFenced):
        await svc.erase(member)
    row = await svc.call_row(uuid.UUID(str(call)))
    assert (row.caller_number, row.member_id) == (NUMBER, member)  # rolled back whole: the new owner does it
    assert await svc.reports() == []
    async with svc.runtime.db.transaction() as session:
        await save_windows(session, TENANT, {"call_records": 1}, svc.clock.now())
    with pytest.raises(ShardFenced):
        await svc.runtime.retention.run_once(svc.clock.now() + timedelta(days=400))
    assert (await svc.call_row(uuid.UUID(str(call)))).caller_number == NUMBER


async def test_an_erasure_also_clears_unidentified_calls_from_the_numbers_members_names(svc: App) -> None:
    member = uuid.uuid4()
    q = await svc.queue()
    await svc.agent(q)
    unidentified = await svc.handled("u1", NUMBER, None)  # the member's number, nobody identified the caller
    stranger = await svc.handled("s1", OTHER_NUMBER, None)
    before = await svc.kpis()
    await svc.erase(member, numbers=(NUMBER,))
    assert (await svc.call_row(unidentified)).caller_number is None
    assert (await svc.call_row(stranger)).caller_number == OTHER_NUMBER  # not named: not the member's
    assert (await svc.reports())[0]["done"] == {"calls": 0, "unidentified_calls": 1, "tasks": 0}
    sealed = [e.data["call"]["caller_number"] for _r, e in await svc.outbox() if e.subject == str(unidentified)]
    assert sealed and all([await svc.open(v) is None for v in sealed])
    assert await svc.kpis() == before
