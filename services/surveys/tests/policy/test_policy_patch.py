"""PATCH /v1/survey-policy: absent = unchanged, null only where it means something, else 422 naming the field."""

from __future__ import annotations

import asyncio
from typing import Any

from frontdoor_surveys.policy.defaults import DEFAULT_QUESTIONS
from frontdoor_surveys.testing import SurveysHarness

TENANT = "88888888-8888-4888-8888-888888888888"


async def _patch(api: SurveysHarness, body: Any) -> Any:
    return await api.client.patch(
        "/v1/survey-policy", json=body, headers=api.headers(TENANT, scopes="surveys:write surveys:read")
    )


async def _policy(api: SurveysHarness) -> dict[str, Any]:
    response = await api.client.get("/v1/survey-policy", headers=api.headers(TENANT))
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def test_absent_fields_stay_as_they_are(api: SurveysHarness) -> None:
    headers = api.headers(TENANT, scopes="surveys:write")
    put = {"target": 90, "quiet_start": "22:00", "questions": {"da": ["a?", "b?", "c?", "d?"]}}
    assert (await api.client.put("/v1/survey-policy", json=put, headers=headers)).status_code == 200

    response = await _patch(api, {"min_days_between": 60})
    assert response.status_code == 200, response.text
    policy = await _policy(api)
    assert policy["min_days_between"] == 60
    assert policy["target"] == 90 and policy["quiet_start"] == "22:00"  # untouched
    assert policy["questions"]["da"] == ["a?", "b?", "c?", "d?"]

    assert (await _patch(api, {})).status_code == 200
    assert await _policy(api) == policy

    response = await _patch(api, {"questions": {"no": ["1?", "2?", "3?", "4?"]}})
    assert response.status_code == 200
    policy = await _policy(api)
    assert policy["questions"]["no"] == ["1?", "2?", "3?", "4?"] and policy["questions"]["da"] == [
        "a?",
        "b?",
        "c?",
        "d?",
    ]

    # null on one language: back to its default questions (that is what clearing means there)
    assert (await _patch(api, {"questions": {"da": None}})).status_code == 200
    assert (await _policy(api))["questions"]["da"] == list(DEFAULT_QUESTIONS["da"])


async def test_null_or_bad_values_are_422_naming_the_field_and_change_nothing(api: SurveysHarness) -> None:
    assert (await _patch(api, {"target": 70})).status_code == 200
    before = await _policy(api)
    for body, field in [
        ({"target": None}, "target"),
        ({"enabled": None, "target": 80}, "enabled"),
        ({"time_zone": None}, "time_zone"),
        ({"questions": None}, "questions"),
        ({"target": 101}, "target"),
        ({"quiet_end": "25:00"}, "quiet_end"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"min_days_between": "often"}, "min_days_between"),
        ({"colour": "red"}, "colour"),
        ({"questions": {"xx": ["a", "b", "c", "d"]}}, "questions.xx"),
        ({"questions": {"da": ["only one"]}}, "questions.da"),
        ({"target": 80, "questions": {"da": ["a", "b", "c"]}}, "questions.da"),
        ([1, 2], "body"),
    ]:
        response = await _patch(api, body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == field, (body, response.json())
    put = await api.client.put(
        "/v1/survey-policy", json={"enabled": None}, headers=api.headers(TENANT, scopes="surveys:write")
    )
    assert put.status_code == 422 and put.json()["field"] == "enabled"
    assert await _policy(api) == before  # never a half-write


async def test_openapi_says_which_fields_may_be_null(api: SurveysHarness) -> None:
    operation = (await api.client.get("/openapi.json")).json()["paths"]["/v1/survey-policy"]["patch"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "required" not in schema and schema["additionalProperties"] is False
    assert schema["properties"]["target"]["type"] == "number"
    assert "not nullable" in schema["properties"]["target"]["description"]
    language = schema["properties"]["questions"]["additionalProperties"]["anyOf"]
    assert {"type": "null"} in language
    assert "422" in operation["responses"]


async def test_first_writes_at_the_same_moment_are_200_or_409_never_500(api: SurveysHarness) -> None:
    writer = api.headers(TENANT, scopes="surveys:write admin")
    calls = []
    for i in range(6):
        calls.append(api.client.patch("/v1/survey-policy", json={"target": 80 + i}, headers=writer))
        calls.append(api.client.put("/v1/survey-policy", json={"target": 70 + i}, headers=writer))
        calls.append(api.client.put("/v1/sms/gateway", json={"sender_id": f"U{i}"}, headers=writer))
    statuses = [r.status_code for r in await asyncio.gather(*calls)]
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) >= 2
