"""`make records`: the records of processing (GDPR art. 30) stay true to the code.

The sources (`docs/processing/<service>.yaml`) are read against each service's live table
metadata, its routes' `require(...)` scopes and the event classes; the committed document must be
the generator's output. The tests below also break a copy of the sources (or the metadata) on
purpose, to show each check can fail.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Column, MetaData, String

from frontdoor_devtools import records


def _sources(tmp_path: Path, edit: Callable[[dict[str, dict[str, Any]]], None]) -> Path:
    """A copy of the record sources with `edit` applied to the parsed files (by service)."""
    out = tmp_path / "processing"
    shutil.copytree(records.SOURCES, out)
    parsed = {s: yaml.safe_load((out / f"{s}.yaml").read_text()) for s in records.SERVICES}
    edit(parsed)
    for service, data in parsed.items():
        (out / f"{service}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return out


def test_the_record_covers_every_table_column_and_event_field_of_the_code() -> None:
    problems = records.check()
    assert problems == [], "docs/processing/*.yaml disagrees with the code:\n  " + "\n  ".join(problems)


def test_the_committed_document_is_the_generators_output() -> None:
    committed = records.DOCUMENT.read_text(encoding="utf-8") if records.DOCUMENT.exists() else ""
    if committed != records.render():
        pytest.fail(
            "docs/records-of-processing.md is not what docs/processing/*.yaml and the code give: run `make records`"
        )


def test_a_table_without_an_entry_is_reported(tmp_path: Path) -> None:
    sources = _sources(tmp_path, lambda p: p["members"]["tables"].pop("dossier_entries"))
    assert "members: table 'dossier_entries' has no entry in docs/processing/members.yaml" in records.check(sources)


def test_an_entry_for_a_table_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["routing"]["tables"]["recordings"] = {"purpose": "x", "subjects": ["callers"]}

    assert "routing: entry 'recordings' names a table the service does not have" in records.check(
        _sources(tmp_path, edit)
    )


def test_a_classified_column_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["callbacks"]["tables"]["callback"]["columns"]["second_number"] = "phone number"

    assert "callbacks.callback: column 'second_number' does not exist" in records.check(_sources(tmp_path, edit))


def test_a_new_column_that_looks_personal_must_be_classified(monkeypatch: pytest.MonkeyPatch) -> None:
    live = dict(records.tables("surveys"))
    copy = live["surveys"].to_metadata(MetaData())
    copy.append_column(Column("home_phone", String(32)))
    live["surveys"] = copy
    real = records.tables
    monkeypatch.setattr(records, "tables", lambda service: live if service == "surveys" else real(service))
    problems = records.check()
    assert any(
        p.startswith("surveys.surveys.home_phone: looks like personal data but is not classified") for p in problems
    )


def test_a_column_that_lost_its_classification_is_reported(tmp_path: Path) -> None:
    sources = _sources(tmp_path, lambda p: p["members"]["tables"]["members"]["columns"].pop("national_id_encrypted"))
    assert any(
        p.startswith("members.members.national_id_encrypted: looks like personal") for p in records.check(sources)
    )


def test_an_unknown_category_or_an_unexplained_not_personal_is_reported(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        columns = p["members"]["tables"]["members"]["columns"]
        columns["first_name"] = "names"
        columns["last_name"] = {"not_personal": ""}

    problems = records.check(_sources(tmp_path, edit))
    assert "members.members.first_name: unknown category 'names'" in problems
    assert "members.members.last_name: give a category or {not_personal: why}" in problems


def test_an_event_field_carrying_personal_data_must_be_listed(tmp_path: Path) -> None:
    sources = _sources(tmp_path, lambda p: p["routing"]["events"]["routing.*"].pop("call.caller_number"))
    problems = records.check(sources)
    assert (
        "routing: event routing.call.arrived field 'call.caller_number' looks like personal data but is not listed"
        in problems
    )


def test_the_notice_event_lists_the_number_and_the_text_it_carries() -> None:
    record = records.load("members")
    assert records._event_field(record, "members.notice.requested", "to") == records.Classified("phone number", None)
    assert records._event_field(record, "members.notice.requested", "body") == records.Classified("free text", None)


def test_a_member_keyed_table_must_name_members_among_its_subjects(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["callbacks"]["tables"]["callback"]["subjects"] = ["callers", "staff"]

    assert "callbacks.callback: keyed by a member, so `members` must be among its subjects" in records.check(
        _sources(tmp_path, edit)
    )


def test_readers_must_be_endpoints_the_service_serves(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["members"]["tables"]["members"]["read_by"].append("GET /v1/members/{member_id}/everything")

    problems = records.check(_sources(tmp_path, edit))
    assert (
        "members.members: read_by names 'GET /v1/members/{member_id}/everything', which the service does not serve"
        in problems
    )


def test_scopes_are_read_from_the_endpoints_require_dependencies() -> None:
    members = records.routes("members")
    assert members["GET /v1/members/{member_id}"] == {"members:read"}
    assert members["PUT /v1/playbooks/{code}"] == {"members:configure"}
    assert records.routes("surveys")["GET /v1/sms/gateway"] == {"admin"}


def test_a_changed_record_changes_the_document(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["surveys"]["tables"]["surveys"]["retention"] = "deleted after 13 months"

    assert "deleted after 13 months" in records.render(_sources(tmp_path, edit))
    assert "deleted after 13 months" not in records.render()


def test_personal_data_nobody_says_who_reads_is_reported(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["members"]["tables"]["members"].pop("read_by")
        p["members"]["tables"]["members"].pop("read_note")

    problems = records.check(_sources(tmp_path, edit))
    assert "members.members: holds personal data: say who reads it (read_by endpoints, or a read_note)" in problems


def test_a_retention_naming_a_setting_the_service_lacks_is_reported(tmp_path: Path) -> None:
    def edit(p: dict[str, dict[str, Any]]) -> None:
        p["callbacks"]["tables"]["answered_call"]["retention"] = "deleted after CALLBACKS_ANSWERED_CALL_DAYS"

    problems = records.check(_sources(tmp_path, edit))
    assert (
        "callbacks.answered_call: retention names CALLBACKS_ANSWERED_CALL_DAYS, which is not a setting of the service"
        in problems
    )
