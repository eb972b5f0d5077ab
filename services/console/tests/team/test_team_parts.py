"""The team page's parts as rendered: satisfaction by month against its target, KPIs by half
hour and by day with their charts (from fixed data: the demo tenant has no completed surveys)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from frontdoor_console.i18n.catalogues import load_catalogues
from frontdoor_console.i18n.formatting import Formatter
from frontdoor_console.team.view import TeamView, charts
from frontdoor_console.web.templating import Templates


def _table(html: str, table_id: str) -> str:
    found = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert found, f"no table {table_id}"
    return found.group(0)


def _rows(table: str) -> list[list[str]]:
    body = table.split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates(load_catalogues())


def _render(templates: Templates, view: TeamView) -> tuple[str, dict[str, object]]:
    fmt = Formatter("en", ZoneInfo("Europe/Oslo"))
    made = charts(view, fmt, lambda m: m)
    html = templates.render(
        "team/team.html",
        "en",
        fmt=fmt,
        view=view,
        charts=made,
        stands_out=TeamView.stands_out,
        path="/team",
        languages={},
        user=None,
        csrf_token="",
    )
    return html, dict(made)


def test_satisfaction_by_month_is_a_table_against_the_target(templates: Templates) -> None:
    view = TeamView(
        satisfaction={
            "target": 85,
            "total": {"index": 84.0, "completed": 9},
            "rows": [
                {"period_start": "2026-02-01", "index": 88.25, "target": 85, "meets_target": True, "completed": 5},
                {"period_start": "2026-03-01", "index": 79.0, "target": 85, "meets_target": False, "completed": 4},
                {"period_start": "2026-04-01", "index": None, "target": 85, "meets_target": None, "completed": 0},
            ],
        },
        satisfaction_by={
            "agent": {"rows": [{"agent_id": "a1", "period_start": "2026-03-01", "index": 70, "completed": 2}]}
        },
        names={"a1": "Kari Nordmann"},
    )
    html, made = _render(templates, view)
    assert _rows(_table(html, "satisfaction-month")) == [
        ["February 2026", "88.2", "85", "Meets the target", "5"],
        ["March 2026", "79.0", "85", "Below the target", "4"],
        ["April 2026", "\u2013", "85", "No completed surveys.", "0"],
    ]
    assert 'class="outside"' in _table(html, "satisfaction-month")  # the month below target stands out
    by_agent = _rows(_table(html, "satisfaction-agent"))
    assert by_agent[0][0].startswith("Kari Nordmann") and by_agent[0][2] == "No completed surveys."
    assert "satisfaction" in made


def test_kpis_by_half_hour_and_by_day_are_tables_with_charts(templates: Templates) -> None:
    view = TeamView(
        kpis_by_half_hour=[
            {"period_start": "2026-03-02T09:00:00+01:00", "offered": 3, "answered": 2, "service_level": 0.5},
            {"period_start": "2026-03-02T09:30:00+01:00", "offered": 0, "answered": 0},
        ],
        kpis_by_day={"rows": [{"period_start": "2026-03-01T00:00:00+01:00", "offered": 7, "answered": 6}]},
    )
    html, made = _render(templates, view)
    half = _rows(_table(html, "kpis-half_hour"))
    assert [r[0] for r in half] == ["09:00", "09:30"] and [r[1] for r in half] == ["3", "0"]
    assert _rows(_table(html, "kpis-day"))[0][:3] == ["1 Mar 2026", "7", "6"]
    assert made["half_hours"] == {
        "type": "bar",
        "labels": ["09:00", "09:30"],
        "datasets": [
            {"label": "Offered", "data": [3, 0], "backgroundColor": "#9cc3ff"},
            {"label": "Answered", "data": [2, 0], "backgroundColor": "#0b57d0"},
        ],
    }
    assert set(made) == {"half_hours", "days"}
    assert 'data-chart="chart-half_hours"' in html and 'data-chart="chart-days"' in html


def test_with_routing_down_the_kpis_say_so_and_show_no_empty_tables(templates: Templates) -> None:
    view = TeamView(down={"routing"})
    html, made = _render(templates, view)
    assert "routing service is not answering" in html
    assert 'id="kpis-half_hour"' not in html and 'id="kpis-day"' not in html and made == {}
