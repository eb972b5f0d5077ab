"""The console's parts on their own: settings, roles, paths, catalogues, formats, event framing."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request

from frontdoor_common.settings import DEV_JWT_SECRET
from frontdoor_console.auth.deps import local_path
from frontdoor_console.auth.roles import at_least, scopes_for
from frontdoor_console.context import ConsoleContext
from frontdoor_console.i18n import __main__ as catalogue_tool
from frontdoor_console.i18n.catalogues import load_catalogues, parse_locale
from frontdoor_console.i18n.formatting import Formatter
from frontdoor_console.settings import Settings
from frontdoor_console.web.page import Page, is_htmx, render_page_or_part
from frontdoor_console.web.sse import sse

PRODUCTION = {
    "environment": "production",
    "jwt_secret": "j" * 48,
    # production refuses the development keys of the personal-data lifecycle (issue 17)
    "seal_keys": ["cHJvZHVjdGlvbi1zZWFsLWtleS0wMTIzNDU2Nzg5YWI="],
    "subject_digest_key": "p" * 48,
    "oidc_issuer": "https://idp.example",
    "oidc_client_id": "c",
}


def test_production_refuses_the_development_sign_in_and_minting_with_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="development sign-in"):
        Settings(**PRODUCTION, service_token_secret="s" * 48, dev_signin=True)
    with pytest.raises(ValidationError, match="SERVICE_TOKEN_SECRET"):
        Settings(**PRODUCTION)
    with pytest.raises(ValidationError, match="SERVICE_TOKEN_SECRET"):
        Settings(**PRODUCTION, service_token_secret=DEV_JWT_SECRET)
    with pytest.raises(ValidationError, match="OpenID Connect"):
        Settings(**{k: v for k, v in PRODUCTION.items() if not k.startswith("oidc_")}, service_token_secret="s" * 48)
    fine = Settings(**PRODUCTION, service_token_secret="s" * 48)
    assert (fine.dev_signin_enabled, fine.secure_cookies, fine.signing_secret) == (False, True, "s" * 48)
    forwarded = Settings(**PRODUCTION, service_token_mode="oidc")
    assert forwarded.signing_secret is None  # the console never mints there


def test_outside_production_the_development_sign_in_and_secret_work() -> None:
    dev = Settings(environment="development")
    assert (dev.dev_signin_enabled, dev.secure_cookies, dev.signing_secret) == (True, False, DEV_JWT_SECRET)


def test_roles_rank_and_carry_their_scopes() -> None:
    assert at_least("team_lead", "supervisor") and not at_least("agent", "supervisor")
    assert not at_least("intruder", "agent") and scopes_for("intruder") == ()
    assert "members:pii" in scopes_for("agent") and "surveys:read" not in scopes_for("agent")
    assert "surveys:write" in scopes_for("administrator") and "admin" not in scopes_for("administrator")
    # the tenant's reasons, playbooks and departments: administrators only
    assert "members:configure" in scopes_for("administrator") and "members:configure" not in scopes_for("supervisor")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/desk", "/desk"),
        ("/wallboard?big=1", "/wallboard?big=1"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("desk", "/"),
        ("", "/"),
    ],
)
def test_only_paths_on_this_site_are_returned_to(given: str, expected: str) -> None:
    assert local_path(given) == expected


def test_every_message_is_translated_in_every_language() -> None:
    assert catalogue_tool.missing() == {}


def test_the_catalogues_compile_and_translate() -> None:
    catalogues = load_catalogues()
    assert catalogues["nb"].gettext("My status") == "Min status"
    assert catalogues["da"].gettext("Sign in") == "Log ind"
    assert catalogues["nl"].ngettext("%(num)d attempt left.", "%(num)d attempts left.", 2) == "Nog %(num)d pogingen."
    assert catalogues["en"].gettext("My status") == "My status"
    assert [parse_locale(v) for v in ("nb-NO", "no", "da_DK", "nl", "de", None)] == ["nb", "nb", "da", "nl", None, None]


def test_times_are_the_tenants_and_numbers_the_users() -> None:
    moment = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)  # 14:05 in Oslo
    assert Formatter("nb", ZoneInfo("Europe/Oslo")).time(moment) == "14:05"
    assert Formatter("da", ZoneInfo("Europe/Oslo")).time(moment) == "14.05"
    assert Formatter("en", ZoneInfo("Europe/Amsterdam")).time(moment.isoformat()) == "14:05"
    assert Formatter("nl", ZoneInfo("UTC")).number(12345.5, 1) == "12.345,5"
    assert Formatter("nb", ZoneInfo("UTC")).number(12345) == "12\xa0345"
    assert Formatter("en", ZoneInfo("UTC")).seconds(75) == "1:15"


def test_an_html_fragment_becomes_one_event_of_many_data_lines() -> None:
    assert sse("offer", "<p>\nhi</p>") == b"event: offer\ndata: <p>\ndata: hi</p>\n\n"


@pytest.mark.parametrize("locale", ["en", "nb", "da", "nl"])
def test_the_desk_and_the_wallboard_render_in_every_language(locale: str) -> None:
    from frontdoor_console.desk.workspace import Workspace
    from frontdoor_console.wallboard.board import AGENT_STATES, rows
    from frontdoor_console.web.templating import Templates

    templates = Templates(load_catalogues())
    fmt = Formatter(locale, ZoneInfo("Europe/Oslo"))  # type: ignore[arg-type]
    queue = {
        "id": "q1",
        "name": "Wages <and> work",
        "service_level_seconds": 20,
        "stats": {
            "waiting": 2,
            "longest_wait_seconds": 31.5,
            "agents": {"available": 1},
            "today": {"service_level": 0.5, "transfer_rate": 0.3, "accessibility": 0.9, "answered": 30},
        },
        "callbacks": {"due": 1, "at_risk": 1, "overdue": 0, "pending": 2},
    }
    board = templates.render(
        "wallboard/_board.html",
        locale,
        fmt=fmt,
        rows=rows([queue], 0.8),
        states=AGENT_STATES,
        target=0.8,
        down=None,
        loading=False,
        under=rows([queue], 0.8),
    )
    assert "Wages &lt;and&gt; work" in board and 'class="num outside"' in board
    member = {
        "id": "m1",
        "first_name": "Ingrid",
        "last_name": "Solbakken",
        "member_number": "1000017",
        "national_id": "*********90",
        "national_id_revealed": False,
        "phones": [],
    }
    call = {
        "call_id": "c1",
        "caller_number": "+4741234567",
        "answered_at": "2026-03-02T13:05:00+00:00",
        "queue_id": "q1",
    }
    space = Workspace(
        call=call,
        contact={"id": "k1", "verified": False, "level": "none", "locked": False, "attempts_left": 3},
        member=member,
        dossier=[
            {
                "kind": "remark",
                "noted_on": "2026-03-02",
                "occurred_at": "2026-03-02T13:05:00+00:00",
                "summary": "<b>x</b>",
                "reason": "dues_invoice",
            }
        ],
        checks=[{"code": "email_missing"}, {"code": "returned_mail"}],
        queues=[{"id": "q2", "name": "Other"}],
        changes=[{"kind": "move_department", "requested_on": "2026-03-01", "effective_on": "2026-04-01"}],
    )
    from frontdoor_console.tenants.directory import TenantInfo

    html = templates.render(
        "desk/_call.html",
        locale,
        fmt=fmt,
        space=space,
        resolutions=("resolved",),
        tenant=TenantInfo("t"),
        clear_offer=True,
    )
    assert "&lt;b&gt;x&lt;/b&gt;" in html and 'id="verify-member"' in html and "hx-swap-oob" in html
    assert 'id="pending-changes"' in html  # membership changes awaiting written confirmation
    offer = templates.render(
        "desk/_offer.html",
        locale,
        fmt=fmt,
        offer={"offer_id": "o1", "call_id": "c1"},
        call=call,
        member=member,
        candidates=[],
        members_down=False,
        seconds_left=12,
    )
    assert "Ingrid Solbakken" in offer and 'data-seconds="12"' in offer
    from frontdoor_console.team.view import TeamView, charts

    view = TeamView(
        workload={
            "agents": [
                {
                    "agent_id": "a1",
                    "name": "Kari",
                    "team_id": "t1",
                    "calls_handled": 13,
                    "target_calls": 10,
                    "share_of_target": 1.3,
                    "occupancy": 0.8,
                    "talk_seconds": 3600,
                }
            ],
            "teams": [
                {
                    "team_id": "t1",
                    "name": "Loop 1",
                    "calls_handled": 13,
                    "target_calls": 10,
                    "share_of_target": 1.3,
                    "occupancy": 0.8,
                    "talk_seconds": 3600,
                }
            ],
        },
        satisfaction={
            "target": 85,
            "total": {"index": 81.5, "completed": 4},
            "rows": [{"period_start": "2026-03-01", "index": 81.5, "target": 85}],
        },
        satisfaction_by={
            "queue": {
                "rows": [
                    {"queue_id": "q1", "period_start": "2026-03-01", "index": 70, "completed": 2, "meets_target": False}
                ]
            }
        },
        kpis_by_hour={"rows": [{"period_start": "2026-03-02T09:00:00+01:00", "offered": 3, "answered": 2}]},
        kpis_by_half_hour=[
            {"period_start": "2026-03-02T09:00:00+01:00", "offered": 2, "answered": 2},
            {"period_start": "2026-03-02T09:30:00+01:00", "offered": 1, "answered": 0},
        ],
        names={"q1": "Wages", "t1": "Loop 1"},
    )
    made = charts(view, fmt, lambda m: m)
    team = templates.render(
        "team/team.html",
        locale,
        fmt=fmt,
        view=view,
        charts=made,
        stands_out=TeamView.stands_out,
        path="/team",
        languages={},
        user=None,
        csrf_token="",
    )
    assert set(made) == {"workload", "satisfaction", "half_hours"} and 'id="chart-workload"' in team
    assert 'class="outside"' in team  # 130 % stands out


def test_the_stages_demo_national_id_is_the_members_seeds() -> None:
    from frontdoor_console.stage import MEMBER_NATIONAL_ID
    from frontdoor_members.identity.national_id import fodselsnummer_for

    assert fodselsnummer_for("150385") == MEMBER_NATIONAL_ID


@pytest.mark.parametrize(
    ("headers", "template"),
    [
        ({}, "whole.html"),
        ({"HX-Request": "true"}, "_part.html"),
        # htmx reloading a page it no longer holds (it sends HX-Request too) gets the whole page
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, "whole.html"),
    ],
)
def test_htmx_gets_the_part_of_a_page_and_a_history_restore_the_whole(headers: dict[str, str], template: str) -> None:
    request = Request({"type": "http", "method": "GET", "headers": Headers(headers).raw})
    ctx = cast(ConsoleContext, SimpleNamespace(templates=SimpleNamespace(render=lambda name, *_, **__: name)))
    page = Page(None, "en", Formatter("en", ZoneInfo("UTC")), None, "/")
    answer = render_page_or_part(ctx, page, request, "whole.html", "_part.html", status=422, headers={"Vary": "Cookie"})
    assert bytes(answer.body).decode() == template and answer.status_code == 422
    assert is_htmx(request) == (template == "_part.html")
    # one address answers both: a cache (were the page kept) must tell them apart
    assert answer.headers["vary"] == "Cookie, HX-Request, HX-History-Restore-Request"
    assert answer.headers["cache-control"] == "no-store"
