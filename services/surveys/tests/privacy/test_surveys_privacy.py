"""Surveys in the personal-data lifecycle (issue 17): sealed numbers and texts opened through the
producers' key endpoints (the unsealer's real HTTP path, an httpx transport serving the producers'
own key tables), an erased subject getting nothing, erasure through the common consumer code (the
satisfaction index unchanged), the member's export, and retention at its exact cutoff."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from frontdoor_common.auth import TokenVerifier, mint_token
from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.bus.events import Envelope, Event
from frontdoor_common.bus.tables import outbox
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.callbacks import CallbackCompleted, CallbackSnapshot
from frontdoor_common.events.members import NoticeRequested
from frontdoor_common.events.privacy import ErasureRequested
from frontdoor_common.events.routing import CallCompleted
from frontdoor_common.privacy.lifecycle import erasure_router, save_windows
from frontdoor_common.privacy.seal import (
    UNSEAL_SCOPE,
    Sealer,
    Unsealer,
    UnsealUnavailable,
    member_subject,
    phone_subject,
)
from frontdoor_common.privacy.tables import seal_keys
from frontdoor_common.settings import DEV_DATA_KEY, ServiceSettings
from frontdoor_common.testing import eventually
from frontdoor_surveys.gateway.models import OutgoingSms
from frontdoor_surveys.notices import consumer as notices_consumer
from frontdoor_surveys.notices.models import Notice
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.consumer import build_router
from frontdoor_surveys.surveys.models import ContactLink, InboundSms, OptOut, Survey
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call, running_surveys

TENANT = "8a3f0c52-6d1e-4b7a-9c2f-1e5d7a9b3c40"
OTHER = "2b7e9d14-3c5a-4f8b-a1d6-7e0c9f2a5b81"
N1 = MOBILE_NO  # the member's mobile
N2 = "+4798765432"  # the member's other mobile, not identified when they called from it
N3 = "+4791234567"  # someone else's
BODY = "Du har fått time til CV-samtale: 3.12.2026 kl. 10:00."


class Producer:
    """One producing service: its key table (a database of its own) and its sealer."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.engine: AsyncEngine = create_async_engine(f"sqlite+aiosqlite:///{path}")
        self.sealer = Sealer(name, [Fernet.generate_key().decode()], DEV_DATA_KEY)

    async def start(self) -> Producer:
        async with self.engine.begin() as conn:
            await conn.run_sync(lambda sync: seal_keys.metadata.create_all(sync, tables=[seal_keys]))
        return self

    async def seal(self, tenant: str, subject: str, value: str) -> str:
        """`value` sealed under `subject`'s key, as the producer's event would carry it."""
        async with AsyncSession(self.engine) as session:
            sealed = await self.sealer.seal(session, tenant, subject, value)
            await session.commit()
        assert sealed is not None and sealed.startswith(f"sealed:v1:{self.name}:")
        return sealed

    async def shred(self, tenant: str, subject: str) -> int:
        """Erase the subject's keys (the producer's part of an erasure)."""
        async with AsyncSession(self.engine) as session:
            shredded = await self.sealer.shred(session, tenant, [self.sealer.digest(tenant, subject)])
            await session.commit()
        return shredded

    async def close(self) -> None:
        await self.engine.dispose()


class Producers:
    """The producers behind `http://<name>.test`; `down` makes them unreachable."""

    def __init__(self, settings: ServiceSettings, *producers: Producer) -> None:
        self.by_host = {f"{p.name}.test": p for p in producers}
        self.verifier = TokenVerifier(settings)
        self.down = False
        self.refused = 0  # requests made while down
        self.requests: list[tuple[str, str]] = []  # (service, kid)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        producer = self.by_host[request.url.host]
        prefix = "/internal/v1/seal-keys/"
        assert request.method == "GET" and request.url.path.startswith(prefix)
        kid = request.url.path.removeprefix(prefix)
        self.requests.append((producer.name, kid))
        principal = await self.verifier.verify(request.headers["Authorization"].removeprefix("Bearer "))
        if UNSEAL_SCOPE not in principal.scopes:
            return httpx.Response(403, json={"title": "Forbidden", "status": 403})
        async with AsyncSession(producer.engine) as session:
            exists, key = await producer.sealer.key(session, principal.tenant_id, kid)
        if not exists:
            return httpx.Response(404, json={"title": "No such key.", "status": 404})
        if key is None:
            return httpx.Response(410, json={"title": "The key was erased.", "status": 410})
        return httpx.Response(200, json={"kid": kid, "key": key})

    def __getitem__(self, name: str) -> Producer:
        return self.by_host[f"{name}.test"]

    def install(self, unsealer: Unsealer) -> None:
        """Point the unsealer at these producers (its real HTTP path, this transport)."""
        for host, producer in self.by_host.items():
            unsealer.service_urls[producer.name] = f"http://{host}"
        unsealer._client = httpx.AsyncClient(transport=httpx.MockTransport(self.handle))


@contextlib.asynccontextmanager
async def serving(harness: SurveysHarness, path: Path) -> AsyncIterator[Producers]:
    """Routing, callbacks and members with their own keys, reachable by the harness's unsealer."""
    made = [await Producer(name, path / f"{name}-keys.sqlite").start() for name in ("routing", "callbacks", "members")]
    producers = Producers(harness.settings, *made)
    producers.install(harness.context.unsealer)
    try:
        yield producers
    finally:
        for producer in made:
            await producer.close()


@pytest.fixture
async def producers(api: SurveysHarness, tmp_path: Path) -> AsyncIterator[Producers]:
    """The producers for the `api` harness (no broker: events are handed to the handlers)."""
    async with serving(api, tmp_path) as made:
        yield made


def contacts(api: SurveysHarness) -> EventRouter:
    """The contacts consumer's handlers, as the app builds them."""
    return build_router(api.context.surveys, api.context.unsealer)


def notices(api: SurveysHarness) -> EventRouter:
    """The notices consumer's handlers, as the app builds them."""
    return notices_consumer.build_router(api.context.notices)


async def deliver(api: SurveysHarness, router: EventRouter, event: Event, *, tenant: str, source: str) -> None:
    """Hand an event to a consumer's handlers in one transaction, as the consumer does."""
    async with api.runtime.db.transaction() as session:
        await router(session, Envelope.wrap(event, tenant=tenant, source=source, at=api.now()))


async def rows(api: SurveysHarness, model: Any, *where: Any) -> list[Any]:
    async with api.runtime.db.transaction() as session:
        return list((await session.execute(select(model).where(*where))).scalars().all())


async def satisfaction(api: SurveysHarness, tenant: str = TENANT, **params: str) -> dict[str, Any]:
    response = await api.client.get("/v1/satisfaction", params=params, headers=api.headers(tenant))
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


# ------------------------------------------------------------------------------ sealed values


async def test_a_sealed_caller_number_is_opened_and_the_survey_goes_to_the_clear_number(
    api: SurveysHarness, producers: Producers
) -> None:
    sealed = await producers["routing"].seal(TENANT, phone_subject(N1), N1)
    call = resolved_call(TENANT, at=api.now(), caller_number=sealed)
    await deliver(api, contacts(api), CallCompleted(call=call), tenant=TENANT, source="routing")

    [first] = await api.wait_for_sms(1, to=N1)
    assert "Spørsmål 1/4" in first["text"]
    [survey] = await api.surveys(TENANT)
    assert survey["status"] == "asking" and survey["phone_masked"] == "+47******67"
    [row] = await rows(api, OutgoingSms)
    assert row.to_number == N1
    assert [service for service, _kid in producers.requests] == ["routing"]
    answer = await api.reply(N1, "5")  # the member replies from the clear number: it is their survey
    assert answer.status_code == 200 and answer.json()["status"] == "answered"


async def test_a_sealed_callback_number_is_opened_too(api: SurveysHarness, producers: Producers) -> None:
    callback = CallbackSnapshot(
        callback_id=uuid.uuid4(),
        tenant_id=TENANT,
        number=await producers["callbacks"].seal(TENANT, phone_subject(N3), N3),
        member_id=uuid.uuid4(),
        source="queue",
        status="completed",
        requested_at=api.now(),
    )
    await deliver(api, contacts(api), CallbackCompleted(callback=callback), tenant=TENANT, source="callbacks")
    [first] = await api.wait_for_sms(1, to=N3)
    assert "Spørsmål 1/4" in first["text"]


async def test_an_erased_caller_gets_no_survey_and_the_skip_says_erased(
    api: SurveysHarness, producers: Producers
) -> None:
    routing = producers["routing"]
    sealed = await routing.seal(TENANT, phone_subject(N1), N1)
    assert await routing.shred(TENANT, phone_subject(N1)) == 1  # the caller was erased meanwhile
    call = resolved_call(TENANT, at=api.now(), caller_number=sealed)
    for _ in range(2):  # re-published: still one record
        await deliver(api, contacts(api), CallCompleted(call=call), tenant=TENANT, source="routing")

    [skipped] = await api.surveys(TENANT, status="skipped")
    assert skipped["status"] == "skipped" and skipped["skip_reason"] == "erased"
    assert skipped["member_id"] is None and skipped["phone_masked"] is None
    assert skipped["call_id"] == str(call.call_id)
    assert await rows(api, OutgoingSms) == []
    assert await rows(api, ContactLink) == []

    # an older event with the number in clear still works
    await deliver(
        api,
        contacts(api),
        CallCompleted(call=resolved_call(TENANT, at=api.now(), caller_number=N3)),
        tenant=TENANT,
        source="routing",
    )
    await api.wait_for_sms(1, to=N3)
    assert api.sms(N1) == []


async def test_an_unreachable_producer_makes_the_event_fail_and_nothing_is_kept_until_it_answers(
    api: SurveysHarness, producers: Producers
) -> None:
    call = resolved_call(
        TENANT, at=api.now(), caller_number=await producers["routing"].seal(TENANT, phone_subject(N1), N1)
    )
    producers.down = True
    with pytest.raises(UnsealUnavailable):
        await deliver(api, contacts(api), CallCompleted(call=call), tenant=TENANT, source="routing")
    assert await rows(api, Survey) == []  # rolled back: the consumer retries the event
    producers.down = False
    await deliver(api, contacts(api), CallCompleted(call=call), tenant=TENANT, source="routing")
    await api.wait_for_sms(1, to=N1)


async def test_sealed_notices_are_opened_an_erased_one_is_withdrawn_and_the_number_is_checked_opened(
    api: SurveysHarness, producers: Producers
) -> None:
    members = producers["members"]

    async def notice(member: uuid.UUID, to: str, body: str = BODY, *, shred: bool = False) -> NoticeRequested:
        event = NoticeRequested(
            notice_id=uuid.uuid4(),
            tenant_id=TENANT,
            member_id=member,
            kind="meeting_booked",
            to=await members.seal(TENANT, member_subject(member), to),
            body=await members.seal(TENANT, member_subject(member), body),
            not_before=api.now(),
            at=api.now(),
        )
        if shred:
            await members.shred(TENANT, member_subject(member))
        await deliver(api, notices(api), event, tenant=TENANT, source="members")
        return event

    sent, erased, bad = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await notice(sent, N1)
    [sms] = await api.wait_for_sms(1, to=N1)
    assert sms["text"] == BODY
    await notice(erased, N3, shred=True)
    await notice(bad, "004741234567")  # not E.164 once opened: not sendable

    listed = {
        n["member_id"]: n["status"]
        for n in (await api.client.get("/v1/notices", headers=api.headers(TENANT))).json()["items"]
    }
    assert listed == {str(sent): "sent", str(erased): "withdrawn"}
    [row] = await rows(api, OutgoingSms)
    assert (row.to_number, row.body) == (N1, BODY)
    [withdrawn] = await rows(api, Notice, Notice.member_id == erased)  # type: ignore[arg-type]
    assert withdrawn.withdrawn and withdrawn.sms_id is None


# ------------------------------------------------------------------- erasure, export, retention


async def _history(api: SurveysHarness, producers: Producers) -> dict[str, Any]:
    """A member with a completed, commented survey (numbers sealed by routing), a notice sent to
    their number (sealed by members), an unidentified call from their other number; someone else's
    survey, and another tenant's survey to the member's number."""
    member, someone = uuid.uuid4(), uuid.uuid4()
    routing = producers["routing"]
    call = resolved_call(
        TENANT, at=api.now(), member_id=member, caller_number=await routing.seal(TENANT, phone_subject(N1), N1)
    )
    await deliver(api, contacts(api), CallCompleted(call=call), tenant=TENANT, source="routing")
    await api.wait_for_sms(1, to=N1)
    await api.answer(N1, "5", "4", "4", "3", "Rask og hyggelig hjelp")
    unidentified = resolved_call(
        TENANT, at=api.now(), member_id=None, caller_number=await routing.seal(TENANT, phone_subject(N2), N2)
    )
    await deliver(api, contacts(api), CallCompleted(call=unidentified), tenant=TENANT, source="routing")
    members = producers["members"]
    notice = NoticeRequested(
        notice_id=uuid.uuid4(),
        tenant_id=TENANT,
        member_id=member,
        kind="meeting_booked",
        to=await members.seal(TENANT, member_subject(member), N1),
        body=await members.seal(TENANT, member_subject(member), BODY),
        not_before=api.now(),
        at=api.now(),
    )
    await deliver(api, notices(api), notice, tenant=TENANT, source="members")
    await api.wait_for_sms(7, to=N1)  # four questions, two thanks, the notice
    other_call = resolved_call(TENANT, at=api.now(), member_id=someone, caller_number=N3)
    await deliver(api, contacts(api), CallCompleted(call=other_call), tenant=TENANT, source="routing")
    await api.wait_for_sms(1, to=N3)
    await api.answer(N3, "2", "2", "3", "1")
    elsewhere = resolved_call(OTHER, at=api.now(), member_id=member, caller_number=N1)  # same id, another tenant
    await deliver(api, contacts(api), CallCompleted(call=elsewhere), tenant=OTHER, source="routing")
    [survey] = await api.surveys(TENANT, member_id=str(member))
    return {"member": member, "someone": someone, "survey": survey, "notice": notice, "unidentified": unidentified}


def _erasure(api: SurveysHarness, member: uuid.UUID) -> ErasureRequested:
    digest = api.runtime.sealer.digest  # type: ignore[union-attr]
    return ErasureRequested(
        erasure_id=uuid.uuid4(),
        tenant_id=TENANT,
        member_id=member,
        subjects=[
            digest(TENANT, member_subject(member)),
            digest(TENANT, phone_subject(N1)),
            digest(TENANT, phone_subject(N2)),
        ],
        requested_at=api.now(),
    )


async def _erase(api: SurveysHarness, request: ErasureRequested) -> dict[str, Any]:
    """The erasure request through the common consumer code; surveys' report from its outbox."""
    runtime = api.runtime
    assert runtime.spec.privacy is not None
    router = erasure_router(runtime, runtime.spec.privacy, runtime.parts)
    before = len(await api.events("surveys.erasure.completed"))
    async with runtime.db.transaction() as session:
        await router(session, Envelope.wrap(request, tenant=TENANT, source="members"))
    reports = await api.events("surveys.erasure.completed")
    assert len(reports) == before + 1
    report: dict[str, Any] = reports[-1].data["report"]
    return report


async def test_erasure_anonymises_the_members_data_and_the_index_is_unchanged(
    api: SurveysHarness, producers: Producers
) -> None:
    history = await _history(api, producers)
    member = history["member"]
    figures = [await satisfaction(api), await satisfaction(api, group_by="agent", period="day")]
    assert figures[0]["total"]["completed"] == 2 and figures[0]["total"]["index"] == 50.0

    report = await _erase(api, _erasure(api, member))
    assert report["done"] == {
        "surveys": 1,
        "sms_sent": 7,
        "sms_received": 5,
        "notices": 1,
        "opt_outs": 0,
        "contact_links": 1,
    }
    assert report["kept"] and any("satisfaction index" in k for k in report["kept"])

    assert [await satisfaction(api), await satisfaction(api, group_by="agent", period="day")] == figures
    survey = (await api.client.get(f"/v1/surveys/{history['survey']['id']}", headers=api.headers(TENANT))).json()
    assert survey["answers"] == [5, 4, 4, 3] and survey["score"] == history["survey"]["score"] == 75.0
    assert survey["status"] == "completed" and survey["agent_id"] == history["survey"]["agent_id"]
    assert survey["member_id"] is None and survey["phone_masked"] is None and survey["comment"] is None
    assert await api.surveys(TENANT, member_id=str(member)) == []

    mine = [N1, N2]
    assert await rows(api, OutgoingSms, OutgoingSms.tenant_id == TENANT, OutgoingSms.to_number.in_(mine)) == []  # type: ignore[attr-defined]
    assert await rows(api, InboundSms, InboundSms.from_number.in_(mine)) == []  # type: ignore[attr-defined]
    cleared = await rows(api, OutgoingSms, OutgoingSms.to_number == "")  # type: ignore[arg-type]
    assert len(cleared) == 7 and {r.body for r in cleared} == {""} and {r.status for r in cleared} == {"sent"}
    assert {r.text for r in await rows(api, InboundSms, InboundSms.from_number == "")} == {""}  # type: ignore[arg-type]
    assert await rows(api, ContactLink) == []
    [notice] = await rows(api, Notice)
    assert notice.withdrawn and notice.withdrawn_at is not None

    # someone else's survey and the other tenant's survey to the same number are untouched
    [theirs] = await api.surveys(TENANT, member_id=str(history["someone"]))
    assert theirs["phone_masked"] == "+47******67" or theirs["phone_masked"].startswith("+47")
    assert len(api.sms(N3)) == 5 and len(await rows(api, OutgoingSms, OutgoingSms.to_number == N3)) == 5  # type: ignore[arg-type]
    [elsewhere] = await rows(api, Survey, Survey.tenant_id == OTHER)  # type: ignore[arg-type]
    assert elsewhere.member_id == member and elsewhere.phone == N1

    again = await _erase(api, _erasure(api, member))  # idempotent: nothing left to do
    assert set(again["done"].values()) == {0} and again["keys_shredded"] == 0
    assert [await satisfaction(api), await satisfaction(api, group_by="agent", period="day")] == figures


async def test_a_stop_is_kept_without_the_member_and_a_scheduled_survey_is_dropped(
    api: SurveysHarness, producers: Producers
) -> None:
    member, later = uuid.uuid4(), uuid.uuid4()
    first = resolved_call(TENANT, at=api.now(), member_id=member)
    await deliver(api, contacts(api), CallCompleted(call=first), tenant=TENANT, source="routing")
    await api.wait_for_sms(1, to=N1)
    await api.answer(N1, "STOPP")
    [stop] = await rows(api, OptOut)
    assert stop.member_id == member

    report = await _erase(api, _erasure(api, member))
    assert report["done"]["opt_outs"] == 1 and report["done"]["surveys"] == 1
    [stop] = await rows(api, OptOut)
    assert stop.member_id is None and stop.phone == N1 and stop.survey_id is None  # the objection stays
    # whoever calls from the number later is still not surveyed
    again = resolved_call(TENANT, at=api.now(), member_id=uuid.uuid4(), caller_number=N1)
    await deliver(api, contacts(api), CallCompleted(call=again), tenant=TENANT, source="routing")
    [skipped] = await api.surveys(TENANT, status="skipped")
    assert skipped["skip_reason"] == "opted_out"

    # a survey waiting for the morning (quiet hours) is dropped with its SMS
    assert api.clock is not None
    api.clock.advance(timedelta(hours=12))  # 22:00 in Oslo
    evening = resolved_call(TENANT, at=api.now(), member_id=later, caller_number=N3)
    await deliver(api, contacts(api), CallCompleted(call=evening), tenant=TENANT, source="routing")
    [scheduled] = await api.surveys(TENANT, status="scheduled")
    report = await _erase(api, _erasure(api, later))
    assert report["done"]["surveys"] == 1 and report["done"]["sms_sent"] == 1
    [dropped] = await rows(api, Survey, Survey.id == uuid.UUID(scheduled["id"]))  # type: ignore[arg-type]
    assert (dropped.status, dropped.skip_reason, dropped.member_id, dropped.phone) == ("skipped", "erased", None, None)
    [sms] = await rows(api, OutgoingSms, OutgoingSms.survey_id == dropped.id)  # type: ignore[arg-type]
    assert (sms.status, sms.to_number, sms.body) == ("cancelled", "", "")
    api.clock.advance(timedelta(hours=11))  # the morning: nothing goes out
    await api.sender_idle()
    assert api.sms(N3) == []


async def test_the_export_holds_the_members_surveys_sms_and_notices_and_no_one_elses(
    api: SurveysHarness, producers: Producers
) -> None:
    history = await _history(api, producers)
    member = history["member"]

    async def export(tenant: str, scopes: list[str]) -> httpx.Response:
        token = mint_token(tenant_id=tenant, scopes=scopes)
        return await api.client.get(
            f"/internal/v1/personal-data/members/{member}", headers={"Authorization": f"Bearer {token}"}
        )

    response = await export(TENANT, ["privacy:export"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert {line["service"] for line in lines} == {"surveys"}
    by_section: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_section.setdefault(line["section"], []).append(line["item"])
    assert set(by_section) == {"surveys", "sms", "notices"}
    [survey] = by_section["surveys"]
    assert survey["comment"] == "Rask og hyggelig hjelp" and survey["answers"] == [5, 4, 4, 3]
    assert survey["phone"] == N1 and survey["member_id"] == str(member)
    sent = [m for m in by_section["sms"] if m["direction"] == "sent"]
    received = [m for m in by_section["sms"] if m["direction"] == "received"]
    assert len(sent) == 7 and {m["to_number"] for m in sent} == {N1} and BODY in {m["body"] for m in sent}
    assert sorted(m["text"] for m in received) == sorted(["5", "4", "4", "3", "Rask og hyggelig hjelp"])
    [notice] = by_section["notices"]
    assert notice["notice_id"] == str(history["notice"].notice_id) and notice["kind"] == "meeting_booked"
    assert N3 not in response.text

    # another tenant sees only what it holds under that id: its own survey, none of this tenant's lines
    theirs = [json.loads(line) for line in (await export(OTHER, ["privacy:export"])).text.splitlines()]
    assert {t["section"] for t in theirs} == {"surveys", "sms"} and {t["item"]["tenant_id"] for t in theirs} == {OTHER}
    denied = await export(TENANT, ["surveys:read"])
    assert denied.status_code == 403 and denied.headers["content-type"] == "application/problem+json"
    bad = await api.client.get(
        "/internal/v1/personal-data/members/not-a-uuid",
        headers={"Authorization": f"Bearer {mint_token(tenant_id=TENANT, scopes=['privacy:export'])}"},
    )
    assert bad.status_code == 422 and "member_id" in bad.text


async def test_retention_anonymises_answers_and_clears_sms_texts_from_the_exact_cutoff(
    api: SurveysHarness, producers: Producers
) -> None:
    history = await _history(api, producers)
    assert api.clock is not None
    made = api.now()  # every row of the history was made at this instant (the clock stood still)
    api.clock.advance(timedelta(hours=25))  # someone's comment window closes (the sweeper)

    async def closed() -> bool:
        return not any(s.awaiting_comment for s in await rows(api, Survey))

    await eventually(closed)
    figures = await satisfaction(api)
    runtime = api.runtime
    assert runtime.retention is not None
    async with runtime.db.transaction() as session:
        await save_windows(session, TENANT, {"survey_answers": 30, "sms_bodies": 10}, made)

    def by_kind(done: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
        return {d["kind"]: (d["deleted"], d["anonymised"]) for d in done if d["tenant"] == TENANT}

    # sms_bodies: cutoff one second before the rows: they stay; one second after: cleared
    before = by_kind(await runtime.retention.run_once(made + timedelta(days=10, seconds=-1)))
    assert before == {"sms_bodies": (0, 0), "survey_answers": (0, 0)}
    mine = await rows(api, OutgoingSms, OutgoingSms.tenant_id == TENANT, OutgoingSms.to_number == N1)  # type: ignore[arg-type]
    assert len(mine) == 7 and BODY in {r.body for r in mine}
    after = by_kind(await runtime.retention.run_once(made + timedelta(days=10, seconds=1)))
    assert after == {"sms_bodies": (0, 12 + 9), "survey_answers": (0, 0)}
    sent = await rows(api, OutgoingSms, OutgoingSms.tenant_id == TENANT)  # type: ignore[arg-type]
    assert {(r.to_number, r.body) for r in sent} == {("", "")} and len(sent) == 12
    assert {(r.from_number, r.text) for r in await rows(api, InboundSms)} == {("", "")}
    [survey] = await rows(api, Survey, Survey.id == uuid.UUID(history["survey"]["id"]))  # type: ignore[arg-type]
    assert survey.member_id == history["member"] and survey.comment is not None  # another kind: not yet

    # survey_answers: the same at its own cutoff
    done = by_kind(await runtime.retention.run_once(made + timedelta(days=30, seconds=-1)))
    assert done["survey_answers"] == (0, 0)
    done = by_kind(await runtime.retention.run_once(made + timedelta(days=30, seconds=1)))
    assert done["survey_answers"] == (0, 2)  # the member's and someone's (the unidentified skip held neither)
    [survey] = await rows(api, Survey, Survey.id == uuid.UUID(history["survey"]["id"]))  # type: ignore[arg-type]
    assert (survey.member_id, survey.phone, survey.comment) == (None, None, None)
    assert survey.answers == [5, 4, 4, 3] and survey.score == 75.0
    assert await satisfaction(api) == figures
    [elsewhere] = await rows(api, Survey, Survey.tenant_id == OTHER)  # type: ignore[arg-type]
    assert elsewhere.phone == N1  # another tenant's windows are its own
    applied = await api.events("surveys.retention.applied")
    assert {(e.data["kind"], e.data["anonymised"]) for e in applied} >= {("sms_bodies", 21), ("survey_answers", 2)}


# ------------------------------------------------------------------- the real consumer, on the broker


@pytest.mark.slow  # the broker and about 30 s of a producer's outage: CI's slow step
async def test_on_the_broker_an_outage_of_the_producer_is_waited_out_short_or_long_and_nothing_is_dead_lettered(
    surveys_settings: Callable[..., Settings], clock: ManualClock, tmp_path: Path
) -> None:
    settings = surveys_settings(
        consumer_max_retries=40, consumer_retry_backoff_s=0.05, consumer_retry_backoff_max_s=0.05
    )
    async with running_surveys(settings, clock) as service, serving(service, tmp_path) as producers:
        routing = producers["routing"]
        [runner] = [c for c in service.runtime.consumers if c.name == "contacts"]

        # down for a few attempts, then back: the event is handled, the survey goes out
        producers.down = True
        short = resolved_call(TENANT, at=service.now(), caller_number=await routing.seal(TENANT, phone_subject(N1), N1))
        await service.publish_call(short)
        await eventually(lambda: producers.refused >= 3, timeout=30)
        producers.down = False
        await service.wait_for_sms(1, to=N1)
        assert runner.handled == 1 and runner.dead_lettered == 0

        # down for longer than the retries last (40 x 0.05 s here; 5 attempts, about 1.5 s, by default):
        # the event waits for the producer (never dead-lettered: it needs the key), then goes through
        producers.down = True
        long = resolved_call(
            TENANT,
            at=service.now(),
            member_id=uuid.uuid4(),
            caller_number=await routing.seal(TENANT, phone_subject(N3), N3),
        )
        await service.publish_call(long)
        await eventually(lambda: producers.refused >= 3 + 45, timeout=60)
        assert runner.dead_lettered == 0 and runner.handled == 1
        producers.down = False
        await service.wait_for_sms(1, to=N3)
        assert runner.dead_lettered == 0 and runner.handled == 2
        async with service.runtime.db.transaction() as session:
            dead = (
                await session.execute(
                    select(outbox.c.topic).where(outbox.c.topic == topics.dead_letter(topics.ROUTING))
                )
            ).all()
        assert dead == []
        assert sorted(s["call_id"] for s in await service.surveys(TENANT)) == sorted(
            [str(short.call_id), str(long.call_id)]
        )
