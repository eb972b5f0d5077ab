"""The planning command line: simulate a day, plan staffing, and the Erlang check's last line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdoor_routing.planning.cli import main

KEYS = {"agents", "service_level", "erlang_c_service_level", "p_wait", "erlang_c_p_wait", "asa_s", "erlang_c_asa_s"}


def test_erlang_check_ends_with_one_json_object_comparing_simulation_and_formula(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["erlang-check", "--replications", "2", "--intervals", "8"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    last = json.loads(lines[-1])
    assert set(last) >= KEYS and last["agents"] == 14
    assert last["erlang_c_service_level"] == 0.8884 and last["erlang_c_p_wait"] == 0.1741
    assert last["simulated_calls"] > 0 and last["calls_per_second"] > 0
    assert any("calls/s" in line for line in lines)


def test_simulate_prints_a_table_per_half_hour_and_the_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--calls-per-half-hour", "40", "60", "--agents", "8", "--patience", "90"]) == 0
    out = capsys.readouterr().out
    assert "08:00" in out and "08:30" in out and "\n     day" in out and "calls/s" in out


def test_simulate_reads_a_profile_and_shifts_and_prints_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = {
        "start": "09:00",
        "queues": [
            {"id": "members", "calls_per_half_hour": [30, 50], "overflow": [{"after_seconds": 45, "queues": ["work"]}]},
            {"id": "work", "calls_per_half_hour": [10, 10], "wrapup_seconds": 20},
        ],
    }
    shifts = [
        {"id": "ann", "queues": {"members": 5}, "shifts": [["09:00", "10:00"]], "meetings": [["09:30", "09:45"]]},
        {"id": "bob", "queues": ["members", "work"]},
        {"id": "cy", "queues": ["work"], "shifts": [["09:15", "10:00"]]},
    ]
    (tmp_path / "day.json").write_text(json.dumps(profile))
    (tmp_path / "staff.json").write_text(json.dumps({"agents": shifts}))
    args = ["simulate", "--profile", str(tmp_path / "day.json"), "--shifts", str(tmp_path / "staff.json")]
    assert main([*args, "--json", "--seed", "5"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*args, "--json", "--seed", "5"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert [i["start_seconds"] for i in first["intervals"]] == [9 * 3600, 9 * 3600 + 1800]
    assert set(first["queues"]) == {"members", "work"}
    assert first["day"] == second["day"]


def test_simulate_plans_staffing_per_half_hour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--calls-per-half-hour", "100", "--agents", "14", "--staffing", "0.8", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["staffing"]["q"]
    assert row["erlang_c_agents"] == 14 and row["erlang_a_agents"] is None
    assert abs(row["simulated_agents"] - 14) <= 1 and row["simulated_service_level"] >= 0.8


def test_a_profile_naming_an_unknown_queue_is_refused(tmp_path: Path) -> None:
    (tmp_path / "day.json").write_text(
        json.dumps({"queues": [{"calls": [5]}], "agents": [{"id": "a", "queues": ["x"]}]})
    )
    with pytest.raises(SystemExit, match="unknown queue"):
        main(["simulate", "--profile", str(tmp_path / "day.json")])
