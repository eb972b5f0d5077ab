"""A caller members could not identify in time is identified in the background, and after a restart."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Response

from frontdoor_common.testing import eventually, read_envelopes, serve_app
from frontdoor_routing.settings import Settings

NUMBER = "+4790000001"


def _members(member: uuid.UUID, state: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/members/lookup")
    async def lookup(phone: str, response: Response) -> dict[str, Any]:
        state["asked"] += 1
        if state["down"]:
            response.status_code = 503
            return {}
        return {"candidates": [{"member_id": str(member)}] if phone == NUMBER else []}

    return app


async def _member_of(p: Any, call_id: str) -> str | None:
    member: str | None = (await p.http.get(f"/v1/calls/{call_id}")).json()["call"]["member_id"]
    return member


async def test_a_lookup_without_an_answer_is_retried_and_the_call_identified_through_the_outbox(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    member = uuid.uuid4()
    state: dict[str, Any] = {"down": True, "asked": 0}
    async with serve_app(_members(member, state)) as url:
        settings = make_settings(
            Settings, members_url=url, known_agent_preference_seconds=0, identify_retry_backoff_s=0.2
        )
        async with make_platform(settings) as p:
            await p.queue(name="Invoices", ivr_digit="1")
            call = (await p.call(cti_call_id="c", caller_number=NUMBER, ivr_digit="1")).json()["call"]
            assert call["member_id"] is None
            await eventually(lambda: state["asked"] >= 2)  # retried while members is down
            state["down"] = False
            await eventually(lambda: _member_is(p, call["call_id"], str(member)), timeout=20)
            events = await read_envelopes(
                str(settings.kafka_bootstrap_servers), settings.topic("frontdoor.routing.v1"), want=1, grace=1.0
            )
            identified = [e for e in events if e.type == "routing.call.identified"]
            assert [e.subject for e in identified] == [call["call_id"]]
            assert identified[0].data["call"]["member_id"] == str(member)
            # an unknown number is answered once and not asked again
            asked = state["asked"]
            other = (await p.call(cti_call_id="o", caller_number="+4790000002", ivr_digit="1")).json()
            assert other["call"]["member_id"] is None and state["asked"] == asked + 1


async def test_after_a_restart_calls_members_never_answered_for_are_identified(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any]
) -> None:
    member = uuid.uuid4()
    state: dict[str, Any] = {"down": True, "asked": 0}
    async with serve_app(_members(member, state)) as url:
        settings = make_settings(Settings, members_url=url, known_agent_preference_seconds=0, identify_retries=0)
        async with make_platform(settings) as p:
            await p.queue(name="Invoices", ivr_digit="1")
            call = (await p.call(cti_call_id="c", caller_number=NUMBER, ivr_digit="1")).json()["call"]
            assert call["member_id"] is None
        state["down"] = False
        settings = make_settings(
            Settings, members_url=url, known_agent_preference_seconds=0, identify_retry_backoff_s=0.1
        )
        async with make_platform(settings) as p:
            await eventually(lambda: _member_is(p, call["call_id"], str(member)), timeout=20)


async def _member_is(p: Any, call_id: str, member: str) -> bool:
    return await _member_of(p, call_id) == member
