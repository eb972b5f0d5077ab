"""Caller numbers are stored in E.164 with the switchboard extension apart; never logged."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from frontdoor_common.events.agents import TenantSettingsChanged
from frontdoor_common.testing import eventually, serve_app
from frontdoor_routing.calls.numbers import normalise
from frontdoor_routing.settings import Settings

TENANT = "7e3a1c52-0000-4000-8000-000000000001"


def test_numbers_parse_in_the_tenants_country_with_the_extension_apart() -> None:
    assert normalise("93704606-111", "NO") == ("+4793704606", "111")
    assert normalise("0047 900 00 001", "NO") == ("+4790000001", None)
    assert normalise("+46 70 123 45 67", "NO") == ("+46701234567", None)
    assert normalise("070-123 45 67", "SE") == ("+46701234567", None)
    assert normalise("93704606-111", None) == ("+4793704606", "111")  # Norway when unknown
    assert normalise("anonymous", "NO") == ("anonymous", None)  # kept as typed
    assert normalise(None, "NO") == (None, None)


async def test_the_cti_number_is_stored_in_e164_with_its_extension_and_unparseable_ones_as_typed(
    make_settings: Callable[..., Settings], make_platform: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    members = FastAPI()

    @members.get("/v1/members/lookup")
    async def lookup(phone: str) -> dict[str, Any]:
        return {"candidates": []}

    caplog.set_level(logging.DEBUG)
    async with serve_app(members) as members_url:
        settings = make_settings(Settings, members_url=members_url, known_agent_preference_seconds=0)
        async with make_platform(settings) as p:
            await p.queue(name="Switchboard", ivr_digit="1")
            r = (await p.call(cti_call_id="a", caller_number="93704606-111", ivr_digit="1")).json()
            assert r["call"]["caller_number"] == "+4793704606" and r["caller_suffix"] == "111"
            got = (await p.http.get(f"/v1/calls/{r['call']['call_id']}")).json()
            assert got["caller_suffix"] == "111"
            odd = (await p.call(cti_call_id="b", caller_number="*31#9370", ivr_digit="1")).json()
            assert odd["call"]["caller_number"] == "*31#9370" and odd["caller_suffix"] is None
            # a Swedish tenant: a local Swedish number
            at = datetime.now(UTC)
            await p.publish(TenantSettingsChanged(tenant_id=TENANT, timezone="Europe/Stockholm", country="SE", at=at))
            await eventually(lambda: p.tenant().country == "SE")
            se = (await p.call(cti_call_id="c", caller_number="070-123 45 67", ivr_digit="1")).json()
            assert se["call"]["caller_number"] == "+46701234567"
    # What a record says (its message and fields), not the process's bookkeeping: a thread id
    # or a timestamp may contain any four digits.
    bookkeeping = {"thread", "process", "created", "msecs", "relativeCreated", "lineno", "taskName"}
    logged = "\n".join(
        r.getMessage() + " " + str({k: v for k, v in r.__dict__.items() if k not in bookkeeping})
        for r in caplog.records
    )
    for digits in ("93704606", "9370", "701234567", "1234567"):
        assert digits not in logged, f"a caller's number reached the log: {digits}"
    assert uuid.UUID(r["call"]["call_id"])
