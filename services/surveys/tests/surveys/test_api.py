"""The read API: tenant isolation, filters, bad input."""

from __future__ import annotations

import uuid
from datetime import timedelta

from frontdoor_surveys.testing import SurveysHarness, resolved_call

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


async def test_paging_and_days_out_of_range_are_422_not_500(api: SurveysHarness) -> None:
    await api.finish_call(resolved_call(TENANT, at=api.now()))
    headers = api.headers(TENANT)
    huge = str(2**63)
    cases = [
        (path, params, field)
        for path in ("/v1/surveys", "/v1/surveys/comments")
        for params, field in [
            ({"offset": huge}, "offset"),
            ({"offset": 1_000_001}, "offset"),
            ({"offset": -1}, "offset"),
            ({"limit": huge}, "limit"),
            ({"limit": 501}, "limit"),
            ({"to": "9999-12-31"}, "to"),
            ({"from": "0001-01-01"}, "from"),
        ]
    ] + [
        ("/v1/satisfaction", {"to": "9999-12-31", "from": "9999-01-01"}, "from"),
        ("/v1/satisfaction", {"from": "0001-01-01", "to": "0001-12-31"}, "from"),
    ]
    for path, params, field in cases:
        response = await api.client.get(path, params=params, headers=headers)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == field, (path, params, response.text)
    # The edges still answer.
    for params in ({"offset": 1_000_000}, {"from": "1970-01-01", "to": "2999-12-31"}):
        response = await api.client.get("/v1/surveys", params=params, headers=headers)
        assert response.status_code == 200, (params, response.text)
    page = (await api.client.get("/v1/surveys", params={"offset": 1_000_000}, headers=headers)).json()
    assert page["items"] == [] and page["total"] == 1
