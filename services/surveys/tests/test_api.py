"""The read API and the policy API: tenant isolation, filters, bad input, the demo seed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from frontdoor_common.settings import DEMO_TENANT_ID
from frontdoor_common.testing import running_app
from frontdoor_surveys.app import create_app
from frontdoor_surveys.policy.models import SurveyPolicyRow, SurveyQuestionRow
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call

TENANT = "66666666-6666-4666-8666-666666666666"
OTHER = "77777777-7777-4777-8777-777777777777"


async def _contact(api: SurveysHarness, tenant: str, **overrides: object) -> uuid.UUID:
    return await api.finish_call(resolved_call(tenant, at=api.now(), **overrides))


async def test_another_tenants_survey_is_not_found(api: SurveysHarness) -> None:
    survey_id = await _contact(api, TENANT)
    mine = await api.client.get(f"/v1/surveys/{survey_id}", headers=api.headers(TENANT))
    assert mine.status_code == 200 and mine.json()["id"] == str(survey_id)
    theirs = await api.client.get(f"/v1/surveys/{survey_id}", headers=api.headers(OTHER))
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    assert theirs.json()["error_id"] == "survey_not_found"
    assert await api.surveys(OTHER) == []
    report = (await api.client.get("/v1/satisfaction", headers=api.headers(OTHER))).json()
    assert report["total"]["sent"] == 0


async def test_the_list_filters_by_status_queue_member_and_the_tenants_days(api: SurveysHarness) -> None:
    member = uuid.uuid4()
    await _contact(api, TENANT, member_id=member)
    await _contact(api, TENANT, transferred=True, transfers=1)
    assert api.clock is not None
    api.clock.advance(timedelta(hours=13, minutes=30))  # 23:30 in Oslo, 22:30 UTC: still the 17th there
    await _contact(api, TENANT)
    assert [s["member_id"] for s in await api.surveys(TENANT, member_id=str(member))] == [str(member)]
    assert len(await api.surveys(TENANT, status="skipped")) == 1
    assert len(await api.surveys(TENANT, **{"from": "2026-11-17", "to": "2026-11-17"})) == 2
    assert await api.surveys(TENANT, **{"from": "2026-11-18"}) == []
    assert await api.surveys(TENANT, queue_id=str(uuid.uuid4())) == []
    assert (await api.surveys(TENANT, status="scheduled"))[0]["scheduled_for"].startswith("2026-11-18T07:00")


async def test_bad_filters_are_problems_naming_the_field(api: SurveysHarness) -> None:
    headers = api.headers(TENANT)
    cases = [
        ("/v1/surveys", {"status": "happy"}, "status"),
        ("/v1/surveys", {"queue_id": "not-a-uuid"}, "queue_id"),
        ("/v1/surveys", {"from": "2026-12-01", "to": "2026-11-01"}, "from"),
        ("/v1/surveys", {"limit": 0}, "limit"),
        ("/v1/surveys/comments", {"to": "yesterday"}, "to"),
        ("/v1/satisfaction", {"group_by": "planet"}, "group_by"),
        ("/v1/satisfaction", {"period": "decade"}, "period"),
        ("/v1/satisfaction", {"from": "2020-01-01", "to": "2026-01-01"}, "to"),
    ]
    for path, params, field in cases:
        response = await api.client.get(path, params=params, headers=headers)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == field, (path, params)
    assert (await api.client.get("/v1/surveys/not-a-uuid", headers=headers)).json()["field"] == "survey_id"
    assert (await api.client.get("/v1/surveys")).status_code == 401


async def test_a_tenant_sets_its_policy_and_questions_and_they_apply(api: SurveysHarness) -> None:
    write = api.headers(TENANT, scopes="surveys:read surveys:write")
    policy = (await api.client.get("/v1/survey-policy", headers=write)).json()
    assert policy["target"] == 85.0 and sorted(policy["questions"]) == ["da", "en", "nl", "no"]
    policy.update(
        {"target": 90, "time_zone": "Europe/Amsterdam", "require_not_transferred": False, "min_days_between": 7}
    )
    policy["questions"] = {"no": ["A?", "B?", "C?", "D?"]}
    saved = await api.client.put("/v1/survey-policy", json=policy, headers=write)
    assert saved.status_code == 200, saved.text
    assert saved.json()["questions"]["no"] == ["A?", "B?", "C?", "D?"] and saved.json()["target"] == 90

    await _contact(api, TENANT, transferred=True, transfers=1)
    [sms] = await api.wait_for_sms(1, to=MOBILE_NO)
    assert "Spørsmål 1/4: A?" in sms["text"]
    report = (await api.client.get("/v1/satisfaction", headers=api.headers(TENANT))).json()
    assert report["target"] == 90 and report["time_zone"] == "Europe/Amsterdam"

    for change, field in [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_start": "25:00"}, "quiet_start"),
        ({"target": 120}, "target"),
        ({"questions": {"no": ["only one"]}}, "questions"),
    ]:
        bad = await api.client.put("/v1/survey-policy", json={**policy, **change}, headers=write)
        assert bad.status_code == 422 and bad.json()["field"] == field, (change, bad.text)
    read_only = await api.client.put("/v1/survey-policy", json=policy, headers=api.headers(TENANT))
    assert read_only.status_code == 403


async def test_the_demo_seed_is_idempotent(surveys_settings: Callable[..., Settings]) -> None:
    settings = surveys_settings(seed_demo=True, run_consumers=False)
    for _ in range(2):
        app = create_app(settings)
        async with running_app(app), app.state.runtime.db.transaction() as session:
            policy = await session.get(SurveyPolicyRow, DEMO_TENANT_ID)
            questions = await session.scalar(
                select(func.count()).select_from(SurveyQuestionRow).where(SurveyQuestionRow.tenant_id == DEMO_TENANT_ID)
            )
    assert policy is not None and policy.time_zone == "Europe/Oslo" and policy.target == 85.0
    assert questions == 16
