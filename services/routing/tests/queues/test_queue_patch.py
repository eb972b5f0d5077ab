"""PATCH /v1/queues/{id}: absent = unchanged, null clears where it means something, else 422.

And a queue re-activated onto an IVR digit (or the switchboard) another active queue holds
is refused (409), like a new queue would be.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from frontdoor_routing.settings import Settings

NOT_NULLABLE = [
    "name",
    "is_switchboard",
    "service_level_seconds",
    "priority",
    "wrapup_seconds",
    "offer_timeout_seconds",
    "strategy",
    "active",
]
NULL_CLEARS = {
    "ivr_digit": "4",
    "language": "no",
    "max_wait_seconds": 600,
    "callback_offer_seconds": 120,
    "overflow": "other",
}


async def test_null_is_refused_naming_the_field_where_it_means_nothing_and_clears_elsewhere(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        other = await p.queue(name="Other", ivr_digit="9")
        q = await p.queue(name="Invoices", ivr_digit="1", priority=2, strategy="round_robin")
        url = f"/v1/queues/{q['id']}"
        for name in NOT_NULLABLE:
            r = await p.http.patch(url, json={name: None})
            assert r.status_code == 422, (name, r.status_code, r.text)
            assert r.json()["field"] == name, r.json()
        unchanged = (await p.http.get(url)).json()
        assert {k: unchanged[k] for k in NOT_NULLABLE} == {k: q[k] for k in NOT_NULLABLE}
        for name, value in NULL_CLEARS.items():
            if value == "other":
                value = [{"after_seconds": 30, "queue_ids": [other["id"]]}]
            set_ = await p.http.patch(url, json={name: value})
            assert set_.status_code == 200, set_.text
            assert set_.json()[name] not in (None, [])
            cleared = await p.http.patch(url, json={name: None})
            assert cleared.status_code == 200, (name, cleared.text)
            assert cleared.json()[name] in (None, []), name
            assert (await p.http.get(url)).json()[name] in (None, [])
        # an absent field is unchanged; the tenant still lists its queues and takes calls
        assert (await p.http.patch(url, json={})).json()["name"] == "Invoices"
        assert (await p.http.get("/v1/queues")).status_code == 200
        await p.http.patch(url, json={"ivr_digit": "1"})
        r = await p.call(cti_call_id="after-nulls", ivr_digit="1")
        assert r.status_code == 201, r.text


async def test_the_openapi_says_which_patch_fields_are_nullable(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        spec = (await p.http.get("/openapi.json")).json()
        props = spec["components"]["schemas"]["QueueUpdate"]["properties"]

        def nullable(prop: dict[str, Any]) -> bool:
            return any(alt.get("type") == "null" for alt in prop.get("anyOf", [])) or prop.get("nullable") is True

        assert {k for k, v in props.items() if nullable(v)} == set(NULL_CLEARS)
        assert set(NOT_NULLABLE) <= set(props)


async def test_reactivating_a_queue_onto_a_digit_or_switchboard_another_active_queue_holds_is_a_conflict(
    settings: Settings, make_platform: Callable[..., Any]
) -> None:
    async with make_platform(settings) as p:
        old = await p.queue(name="Old", ivr_digit="1", is_switchboard=True)
        assert (await p.http.patch(f"/v1/queues/{old['id']}", json={"active": False})).status_code == 200
        await p.queue(name="New", ivr_digit="1", is_switchboard=True)
        r = await p.http.patch(f"/v1/queues/{old['id']}", json={"active": True})
        assert r.status_code == 409 and r.json()["error_id"] == "ivr_digit_taken", r.text
        assert r.json()["field"] == "ivr_digit"
        r = await p.http.patch(f"/v1/queues/{old['id']}", json={"active": True, "ivr_digit": "2"})
        assert r.status_code == 409 and r.json()["error_id"] == "switchboard_taken", r.text
        ok = await p.http.patch(
            f"/v1/queues/{old['id']}", json={"active": True, "ivr_digit": "2", "is_switchboard": False}
        )
        assert ok.status_code == 200, ok.text
        assert (await p.http.get(f"/v1/queues/{old['id']}")).json()["active"] is True
        calls = {d: (await p.call(cti_call_id=f"d{d}", ivr_digit=d)).json()["call"]["queue_id"] for d in "12"}
        assert calls["2"] == old["id"] and calls["1"] != old["id"]
        assert uuid.UUID(calls["1"])
