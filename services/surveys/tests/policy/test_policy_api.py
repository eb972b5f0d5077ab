"""PUT /v1/survey-policy: a tenant's policy and questions, validated, and applied to its next contacts."""

from __future__ import annotations

from frontdoor_surveys.testing import MOBILE_NO, SurveysHarness, resolved_call

TENANT = "66666666-6666-4666-8666-666666666666"


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

    await api.finish_call(resolved_call(TENANT, at=api.now(), transferred=True, transfers=1))
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
