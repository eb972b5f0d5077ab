"""A callback names only its own tenant's member and agent: the mirror, then the owning service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.opening.hours import AlwaysOpen
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.testing import (
    OTHER_TENANT,
    OTHER_TENANTS_QUEUE,
    QUEUE,
    TENANT,
    FakeOwners,
    add_queue,
    context,
    count_rows,
    know,
    sqlite_only,
)
from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import free_port
from frontdoor_common.bus.kafka import KafkaBus
from frontdoor_common.clock import ManualClock
from frontdoor_common.events.agents import AgentSnapshot, AgentUpserted
from frontdoor_common.events.members import MemberCreated, MemberSnapshot
from frontdoor_common.testing import eventually, running_app, serve_app
from frontdoor_common.testing.bus import publish as publish_event


@pytest.fixture
def owners() -> FakeOwners:
    return FakeOwners()


@pytest.fixture
async def owners_url(owners: FakeOwners) -> AsyncIterator[str]:
    """The members and agents services on a loopback port."""
    async with serve_app(owners.app()) as url:
        yield url


def app_with(make_settings: Any, clock: ManualClock, url: str, **kw: Any) -> FastAPI:
    settings = make_settings(
        Settings,
        dispatcher_interval_s=0,
        run_consumers=kw.pop("run_consumers", False),
        members_url=url,
        agents_url=url,
        **kw,
    )
    return create_app(settings, clock=clock, opening_hours=AlwaysOpen())


def web(**kw: Any) -> dict[str, Any]:
    return {"source": "web", "number": "+4791234567", "queue_id": str(QUEUE), **{k: str(v) for k, v in kw.items()}}


async def test_another_tenants_member_or_agent_is_refused_with_404_naming_the_field_and_nothing_is_written(
    make_settings: Any, clock: ManualClock, headers: dict[str, str], owners: FakeOwners, owners_url: str
) -> None:
    theirs_member, theirs_agent = uuid.uuid4(), uuid.uuid4()
    owners.members.add((OTHER_TENANT, theirs_member))
    owners.agents.add((OTHER_TENANT, theirs_agent))
    app = app_with(make_settings, clock, owners_url)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        await know(app, "member", OTHER_TENANT, theirs_member)  # the mirror knows them, for the other tenant
        await know(app, "agent", OTHER_TENANT, theirs_agent)
        before = await count_rows(context(app).db)
        for body, field in ((web(member_id=theirs_member), "member_id"), (web(agent_id=theirs_agent), "agent_id")):
            r = await client.post("/v1/callbacks", json=body, headers=headers)
            assert r.status_code == 404, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["field"] == field
            assert r.json()["error_id"] == f"{field.removesuffix('_id')}_not_found"
        assert await count_rows(context(app).db) == before


async def test_a_member_the_mirror_has_not_seen_yet_is_confirmed_by_the_owner_once_and_then_remembered(
    make_settings: Any, clock: ManualClock, headers: dict[str, str], owners: FakeOwners, owners_url: str
) -> None:
    member, agent = uuid.uuid4(), uuid.uuid4()
    owners.members.add((TENANT, member))
    owners.agents.add((TENANT, agent))
    app = app_with(make_settings, clock, owners_url)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        r = await client.post("/v1/callbacks", json=web(member_id=member, agent_id=agent), headers=headers)
        assert r.status_code == 201, r.text
        assert r.json()["member_id"] == str(member)
        assert owners.asked == [f"member {member}", f"agent {agent}"]
        again = await client.post(
            "/v1/callbacks", json={**web(member_id=member, agent_id=agent), "number": "+4791234568"}, headers=headers
        )
        assert again.status_code == 201, again.text
        assert len(owners.asked) == 2  # the mirror answered


@sqlite_only
async def test_an_unknown_member_is_refused_with_503_when_the_owner_cannot_answer_never_silently_accepted(
    make_settings: Any, clock: ManualClock, headers: dict[str, str]
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # a closed loopback port: the owner is down
    app = app_with(make_settings, clock, nobody)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        before = await count_rows(context(app).db)
        for body, field in ((web(member_id=uuid.uuid4()), "member_id"), (web(agent_id=uuid.uuid4()), "agent_id")):
            r = await client.post("/v1/callbacks", json=body, headers=headers)
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.headers["retry-after"]
            problem = r.json()
            assert problem["field"] == field
            assert problem["retryable"] is True
            assert "cannot verify" in problem["detail"]
        assert await count_rows(context(app).db) == before
        # Known ones do not need the owner.
        member = uuid.uuid4()
        await know(app, "member", TENANT, member)
        assert (await client.post("/v1/callbacks", json=web(member_id=member), headers=headers)).status_code == 201


async def test_members_and_agents_events_fill_the_mirror_so_requests_need_no_owner(
    make_settings: Any, clock: ManualClock, headers: dict[str, str], kafka_bootstrap: str
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    app = app_with(
        make_settings,
        clock,
        nobody,
        run_consumers=True,
        consumer_session_timeout_ms=1000,
        consumer_heartbeat_interval_ms=250,
    )
    member, agent = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        bus = KafkaBus(kafka_bootstrap, client_id="other-service")
        await bus.start()
        try:
            settings = app.state.runtime.settings
            created = MemberCreated(
                member=MemberSnapshot(
                    member_id=member,
                    tenant_id=TENANT,
                    member_number="1",
                    first_name="A",
                    last_name="B",
                    status="active",
                    category="ordinary",
                ),
                at=now,
            )
            upserted = AgentUpserted(current=AgentSnapshot(agent_id=agent, tenant_id=TENANT, name="Agent"), at=now)
            await publish_event(bus.producer, settings.topic(created.topic), created, tenant=TENANT)
            await publish_event(bus.producer, settings.topic(upserted.topic), upserted, tenant=TENANT)
        finally:
            await bus.stop()

        async def accepted() -> bool:
            r = await client.post("/v1/callbacks", json=web(member_id=member, agent_id=agent), headers=headers)
            return r.status_code in (200, 201)

        await eventually(accepted, timeout=30)
        # The same ids under another tenant are not known there (the mirror is per tenant).
        await add_queue(app, OTHER_TENANT, OTHER_TENANTS_QUEUE)
        theirs = {"Authorization": f"Bearer {mint_token(tenant_id=OTHER_TENANT)}"}
        r = await client.post(
            "/v1/callbacks",
            json={**web(member_id=member), "queue_id": str(OTHER_TENANTS_QUEUE)},
            headers=theirs,
        )
        assert r.status_code == 503, r.text  # a miss there: the (down) owner would have to say


async def test_an_attempt_naming_another_tenants_agent_is_refused_and_not_recorded(
    make_settings: Any, clock: ManualClock, headers: dict[str, str], owners: FakeOwners, owners_url: str
) -> None:
    theirs = uuid.uuid4()
    owners.agents.add((OTHER_TENANT, theirs))
    app = app_with(make_settings, clock, owners_url)
    async with running_app(app) as client:
        await add_queue(app, TENANT, QUEUE)
        cb = (await client.post("/v1/callbacks", json=web(), headers=headers)).json()
        r = await client.post(
            f"/v1/callbacks/{cb['id']}/attempts", json={"outcome": "reached", "agent_id": str(theirs)}, headers=headers
        )
        assert r.status_code == 404, r.text
        assert (r.json()["error_id"], r.json()["field"]) == ("agent_not_found", "agent_id")
        detail = (await client.get(f"/v1/callbacks/{cb['id']}", headers=headers)).json()
        assert (detail["status"], detail["attempt_log"]) == ("scheduled", [])
