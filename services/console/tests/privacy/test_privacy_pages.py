"""The personal-data pages over HTTP, on the staged platform (the real members service and the
others behind it): who may use them, finding a member, the access report streamed through, the
erasure's confirmation, the retention form and members' refusals beside their fields."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from console_helpers import Desk, Stage, ok, wait_for

from frontdoor_common.auth import mint_token

DEMO_MEMBER_NUMBER = "1000017"  # Ingrid Solbakken, the demo member
DEMO_PHONE = "+4741234567"
PATHS = ("/privacy", "/privacy/erasures", "/privacy/retention")


def new_member(client: httpx.Client, first: str = "Erika") -> dict[str, Any]:
    """A member of the test's own (the demo member stays as she is for the other tests)."""
    number = str(random.randint(10**8, 10**9 - 1))
    body = {"first_name": first, "last_name": "Slettmeg", "member_number": number, "email": f"e{number}@example.org"}
    return dict(ok(client.post("/v1/members", json=body), 201))


@pytest.fixture(scope="module")
def administrator(console: str) -> Iterator[Desk]:
    desk = Desk(console, "Kari Nordmann", role="administrator")
    try:
        yield desk
    finally:
        desk.close()


@pytest.fixture(scope="module")
def demo_member(api: Stage) -> dict[str, Any]:
    found = ok(api.members.get("/v1/members/lookup", params={"member_number": DEMO_MEMBER_NUMBER}))
    return dict(found["candidates"][0])


@pytest.mark.parametrize("role", ["agent", "supervisor", "team_lead"])
def test_only_administrators_get_the_personal_data_pages(
    console: str, api: Stage, demo_member: dict[str, Any], role: str
) -> None:
    desk = Desk(console, "Ola Lysebu", role=role)
    try:
        desk_page = desk.http.get("/desk")
        assert desk_page.status_code == 200 and 'aria-label="Main"' in desk_page.text
        assert 'href="/privacy"' not in desk_page.text  # no entry in their navigation
        member = demo_member["member_id"]
        for path in (
            *PATHS,
            f"/privacy/members/{member}",
            f"/privacy/members/{member}/report",
            f"/privacy/members/{member}/erase",
        ):
            answer = desk.http.get(path)
            assert answer.status_code == 403, path
            assert "for administrators" in answer.text
        erased = desk.post(f"/privacy/members/{member}/erase", {"member_number": DEMO_MEMBER_NUMBER})
        assert erased.status_code == 403
        kept = desk.post("/privacy/retention", {"call_records": "1"})
        assert kept.status_code == 403
    finally:
        desk.close()
    assert ok(api.members.get(f"/v1/members/{member}"))["member_number"] == DEMO_MEMBER_NUMBER
    listed = ok(api.members.get("/v1/erasures"))["items"]
    assert member not in {e["member_id"] for e in listed}


def test_an_administrator_has_the_entry_and_finds_the_demo_member_by_number_and_by_phone(
    administrator: Desk, demo_member: dict[str, Any]
) -> None:
    assert 'href="/privacy"' in administrator.http.get("/desk").text
    for query in (DEMO_MEMBER_NUMBER, DEMO_PHONE, "41 23 45 67"):
        page = administrator.http.get("/privacy", params={"q": query})
        assert page.status_code == 200, query
        assert f'href="/privacy/members/{demo_member["member_id"]}"' in page.text, query
    nobody = administrator.http.get("/privacy", params={"q": "999999999999"})
    assert nobody.status_code == 200 and 'id="nobody"' in nobody.text
    junk = administrator.http.get("/privacy", params={"q": "<script>alert(1)</script>" * 5})
    assert junk.status_code == 200 and "<script>alert" not in junk.text
    card = administrator.http.get(f"/privacy/members/{demo_member['member_id']}")
    assert card.status_code == 200
    assert DEMO_MEMBER_NUMBER in card.text and "Download access report" in card.text
    assert f'href="/privacy/members/{demo_member["member_id"]}/erase"' in card.text


def test_the_access_report_comes_through_as_a_file(administrator: Desk, demo_member: dict[str, Any]) -> None:
    member = demo_member["member_id"]
    with administrator.http.stream("GET", f"/privacy/members/{member}/report") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["content-disposition"] == f'attachment; filename="personal-data-{member}.json"'
        body = b"".join(answer.iter_bytes())
    report = json.loads(body)
    assert report["member_id"] == member
    mine = [i for i in report["items"] if i["service"] == "members"]
    assert any(DEMO_MEMBER_NUMBER in json.dumps(i["item"]) for i in mine)
    readable = administrator.http.get(f"/privacy/members/{member}/report", params={"format": "html"})
    assert readable.status_code == 200 and readable.headers["content-type"].startswith("text/html")
    assert readable.headers["content-disposition"].endswith('.html"')
    assert "Solbakken" in readable.text
    assert administrator.http.get(f"/privacy/members/{member}/report", params={"format": "pdf"}).status_code == 404


def test_another_tenants_member_and_junk_ids_are_not_found(administrator: Desk, api: Stage) -> None:
    tenant = f"other-{uuid.uuid4().hex[:8]}"
    theirs = {"Authorization": f"Bearer {mint_token(tenant_id=tenant, scopes='all', subject='test')}"}
    with httpx.Client(base_url=api.url("members"), headers=theirs, timeout=30) as members:
        member = new_member(members, "Theirs")
        for path in (
            f"/privacy/members/{member['id']}",
            f"/privacy/members/{member['id']}/report",
            f"/privacy/members/{member['id']}/erase",
            "/privacy/members/not-an-id",
            "/privacy/members/not-an-id/report",
        ):
            assert administrator.http.get(path).status_code == 404, path
        refused = administrator.post(
            f"/privacy/members/{member['id']}/erase", {"member_number": member["member_number"]}
        )
        assert refused.status_code == 404
        assert ok(members.get(f"/v1/members/{member['id']}"))["first_name"] == "Theirs"
        assert ok(members.get("/v1/erasures"))["items"] == []


def test_an_erasure_needs_the_member_number_typed_and_the_sessions_csrf_token(administrator: Desk, api: Stage) -> None:
    member = new_member(api.members)
    path = f"/privacy/members/{member['id']}/erase"
    form = administrator.http.get(path)
    assert form.status_code == 200 and 'name="member_number"' in form.text
    wrong = administrator.post(path, {"member_number": "1" + member["member_number"], "note": "asked by letter"})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text and "not the member&#39;s number" in wrong.text
    assert "asked by letter" in wrong.text  # the form keeps what was written
    too_long = administrator.post(path, {"member_number": member["member_number"], "note": "x" * 501})
    assert too_long.status_code == 422 and 'id="err-note"' in too_long.text
    no_token = administrator.http.post(path, data={"member_number": member["member_number"]})
    assert no_token.status_code == 403
    assert member["id"] not in {e["member_id"] for e in ok(api.members.get("/v1/erasures"))["items"]}
    assert ok(api.members.get(f"/v1/members/{member['id']}"))["first_name"] == "Erika"

    done = administrator.post(path, {"member_number": member["member_number"], "note": "asked by letter"})
    assert done.status_code == 200, done.text
    went = done.headers["HX-Redirect"]
    erasure = re.fullmatch(r"/privacy/erasures\?requested=([0-9a-f-]{36})", went)
    assert erasure, went
    listed = administrator.http.get(went)
    assert listed.status_code == 200 and f'id="erasure-{erasure.group(1)}"' in listed.text
    assert "HX-Request" in listed.headers["vary"]  # the list's address answers htmx with its part
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in administrator.http.get(went, headers=restore).text  # a history restore: the whole page

    # every service does its part; the list says so (and stops asking again)
    def completed() -> str | None:
        page = administrator.http.get(went, headers={"HX-Request": "true"})
        block = page.text.split(f'id="erasure-{erasure.group(1)}"')[1].split("</section>")[0]
        return page.text if "Completed" in block else None

    final = wait_for(completed, timeout=60, interval=0.5, what="the erasure to complete")
    if "In progress" not in final:  # nothing left to wait for: the list stops asking again
        assert "hx-trigger" not in final
    assert f'id="part-{erasure.group(1)}-members"' in final
    at_members = api.members.get(f"/v1/members/{member['id']}")
    assert at_members.status_code == 404, at_members.text  # members' contract: an erased member is not found
    again = administrator.http.get(f"/privacy/members/{member['id']}")
    assert again.status_code == 404  # an erased member is not found any more


def test_retention_windows_are_saved_and_members_refusals_stand_beside_the_field(
    administrator: Desk, api: Stage
) -> None:
    before = ok(api.members.get("/v1/retention"))["windows"]
    try:
        page = administrator.http.get("/privacy/retention")
        assert page.status_code == 200
        for kind in (
            "call_records",
            "callbacks",
            "dossier_entries",
            "messages",
            "survey_answers",
            "sms_bodies",
            "audit_entries",
            "bookings",
        ):
            assert f'id="r-{kind}"' in page.text
        refused = administrator.post("/privacy/retention", {"call_records": "0", "bookings": "3650"})
        assert refused.status_code == 422
        field = re.search(r'<input id="r-call_records"[^>]*>', refused.text)
        assert field and 'aria-invalid="true"' in field.group(0)
        assert 'id="err-call_records"' in refused.text and "from 1 to 36500" in refused.text
        assert 'value="3650"' in refused.text  # what was typed stays
        assert ok(api.members.get("/v1/retention"))["windows"] == before  # nothing was saved
        junk = administrator.post("/privacy/retention", {"sms_bodies": "a year"})
        assert junk.status_code == 422 and 'id="err-sms_bodies"' in junk.text
        saved = administrator.post("/privacy/retention", {"call_records": "36500", "bookings": "36000", "messages": ""})
        assert saved.status_code == 200 and 'id="saved"' in saved.text
        assert ok(api.members.get("/v1/retention"))["windows"] == {"call_records": 36500, "bookings": 36000}
    finally:
        ok(api.members.put("/v1/retention", json={"windows": before}))
