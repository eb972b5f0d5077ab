"""Tasks over the wire: the members' event on the real broker, the offer on the agent's stream, REST.

The routing app serves on a port; members' `members.message.received` is published on the real
broker as the members service's relay would; agents' desks read their offer streams.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from frontdoor_common.events.members import MessageAnswered, MessageReceived
from frontdoor_common.testing import auth, eventually
from frontdoor_routing.settings import Settings

from ..conftest import OTHER_TENANT, TENANT, Desk

DESK_SCOPES = ["routing:agent", "routing:read"]


def desk_client(p: Any, token_for: Callable[..., str], agent_id: uuid.UUID) -> httpx.AsyncClient:
    token = token_for(TENANT, DESK_SCOPES, subject=str(agent_id))
    return httpx.AsyncClient(base_url=p.base, headers=auth(token), timeout=60)


def received(**kw: Any) -> MessageReceived:
    values: dict[str, Any] = {
        "message_id": uuid.uuid4(),
        "tenant_id": TENANT,
        "channel": "email",
        "received_at": datetime.now(UTC),
    }
    values.update(kw)
    return MessageReceived.model_validate(values)


async def test_a_message_on_the_bus_reaches_the_agents_stream_as_a_task_offer_and_ends_when_answered(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Members", ivr_digit="1", message_mailboxes=["kontakt"]))["id"])
        ada = await p.staff({q: 3})
        desk = await Desk(p.base, token_for(TENANT, DESK_SCOPES, subject=str(ada)), ada).start()
        try:
            event = received(mailbox="kontakt", channel="webform")
            await p.publish(event, source="members")
            await eventually(lambda: any(e == "task_offer" for e, _ in desk.events))
            offer = next(d for e, d in desk.events if e == "task_offer")
            assert offer["channel"] == "webform" and offer["task"]["message_id"] == str(event.message_id)
            task_id = offer["task_id"]
            # a call is offered to her all the same, on the same stream
            call = (await p.call(cti_call_id="c1", ivr_digit="1")).json()
            assert call["outcome"] == "offered" and call["call"]["agent_id"] == str(ada)
            await eventually(lambda: bool(desk.offers()))
            assert "channel" not in desk.offers()[0]  # a call's `offer` is as it always was

            async with desk_client(p, token_for, ada) as ada_desk:
                accepted = await ada_desk.post(f"/v1/tasks/{task_id}/accept")
                assert accepted.status_code == 200, accepted.text
                assert accepted.json()["task"]["state"] == "accepted"
                assert (await ada_desk.post(f"/v1/offers/{call['offer_id']}/accept")).status_code == 200
                mine = (await p.http.get("/v1/tasks", params={"agent_id": str(ada), "state": "open"})).json()
                assert [t["task"]["task_id"] for t in mine["items"]] == [task_id]
            # members says the reply was queued: the task ends
            await p.publish(
                MessageAnswered.model_validate(
                    {**event.model_dump(exclude={"received_at"}), "agent_id": ada, "answered_at": datetime.now(UTC)}
                ),
                source="members",
            )

            async def completed() -> bool:
                r = await p.http.get(f"/v1/tasks/{task_id}")
                return bool(r.json()["task"]["state"] == "completed")

            await eventually(completed)
            done = (await p.http.get(f"/v1/tasks/{task_id}")).json()["task"]
            assert done["resolution"] == "answered" and done["within_service_level"] is True
            kpis = (await p.http.get("/v1/kpis")).json()
            assert kpis["channels"]["webform"]["completed"] == 1 and kpis["channels"]["email"]["received"] == 0
            assert kpis["total"]["answered"] == 1  # the call, and only the call
            stats = (await p.http.get(f"/v1/queues/{q}/stats")).json()
            assert stats["tasks"]["today"]["webform"]["received"] == 1 and stats["today"]["offered"] == 1
        finally:
            await desk.stop()


async def test_tasks_over_rest_are_the_tenants_own_and_the_agents_own(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        q = uuid.UUID((await p.queue(name="Members", message_default=True))["id"])
        ada = await p.staff({q: 3})
        bo = await p.staff({q: 3}, presence="away")
        await p.publish(received(), source="members")

        async def offered() -> bool:
            items = (await p.http.get("/v1/tasks", params={"state": "offered"})).json()["items"]
            return len(items) == 1

        await eventually(offered)
        view = (await p.http.get("/v1/tasks")).json()["items"][0]
        task_id = view["task"]["task_id"]
        assert view["offer_id"] and view["task"]["agent_id"] == str(ada)
        other = token_for(OTHER_TENANT)
        for method, path in (
            ("GET", f"/v1/tasks/{task_id}"),
            ("POST", f"/v1/tasks/{task_id}/accept"),
            ("POST", f"/v1/tasks/{task_id}/decline"),
            ("POST", f"/v1/tasks/{task_id}/complete"),
        ):
            r = await p.http.request(method, path, headers=auth(other))
            assert r.status_code == 404 and r.json()["error_id"] == "task_not_found", (path, r.text)
        assert (await p.http.get("/v1/tasks", headers=auth(other))).json()["items"] == []
        async with desk_client(p, token_for, bo) as bo_desk, desk_client(p, token_for, ada) as ada_desk:
            r = await bo_desk.post(f"/v1/tasks/{task_id}/accept")
            assert r.status_code == 403 and r.json()["error_id"] == "not_your_offer"
            r = await ada_desk.post(f"/v1/tasks/{task_id}/complete")
            assert r.status_code == 409 and r.json()["error_id"] == "task_not_held"
            assert (await ada_desk.post(f"/v1/tasks/{task_id}/accept")).status_code == 200
            r = await bo_desk.post(f"/v1/tasks/{task_id}/complete")
            assert r.status_code == 403 and r.json()["error_id"] == "not_your_task"
            done = await ada_desk.post(f"/v1/tasks/{task_id}/complete")
            assert done.status_code == 200 and done.json()["task"]["resolution"] == "done"
        r = await p.http.get("/v1/tasks", params={"state": "nonsense"})
        assert r.status_code == 422
        assert (await p.http.get(f"/v1/tasks/{uuid.uuid4()}")).status_code == 404


async def test_a_queues_message_settings_are_checked_against_the_other_queues(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    settings = make_settings(Settings, known_agent_preference_seconds=0)
    async with make_platform(settings) as p:
        first = await p.queue(name="Post", message_mailboxes=["Post"], message_reasons=["dues"], message_default=True)
        assert (first["message_mailboxes"], first["task_service_level_seconds"]) == (["Post"], 86_400)
        second = await p.queue(name="Benefits")
        for body, error_id, field in (
            ({"message_mailboxes": ["post"]}, "message_mailbox_taken", "message_mailboxes.0"),
            ({"message_reasons": ["dues"]}, "message_reason_taken", "message_reasons.0"),
            ({"message_default": True}, "message_default_taken", "message_default"),
        ):
            r = await p.http.patch(f"/v1/queues/{second['id']}", json=body)
            assert r.status_code == 409 and (r.json()["error_id"], r.json()["field"]) == (error_id, field), r.text
        for field in ("message_mailboxes", "message_reasons", "message_default", "task_service_level_seconds"):
            r = await p.http.patch(f"/v1/queues/{second['id']}", json={field: None})
            assert r.status_code == 422, (field, r.text)
        r = await p.http.patch(f"/v1/queues/{second['id']}", json={"task_service_level_seconds": 59})
        assert r.status_code == 422
        # the first gives the mailbox up: the second may take it
        assert (await p.http.patch(f"/v1/queues/{first['id']}", json={"message_mailboxes": []})).status_code == 200
        moved = await p.http.patch(
            f"/v1/queues/{second['id']}", json={"message_mailboxes": ["post"], "task_service_level_seconds": 3600}
        )
        assert moved.status_code == 200 and moved.json()["task_service_level_seconds"] == 3600
