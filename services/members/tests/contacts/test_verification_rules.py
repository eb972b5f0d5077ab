"""The union's verification rules as pure decisions: what opens personal data, the three paths."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from frontdoor_members.contacts import verification

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _contact(**kw: object) -> SimpleNamespace:
    base = {
        "member_id": None,
        "level": "none",
        "scopes": [],
        "locked_at": None,
        "closed_at": None,
        "expires_at": NOW + timedelta(hours=1),
    }
    return SimpleNamespace(**(base | kw))


def test_only_an_open_contact_verified_as_the_member_opens_personal_data() -> None:
    member = uuid.uuid4()
    now = NOW
    verified = _contact(member_id=member, level="member", scopes=verification.SCOPES["member"])
    assert verification.grants_personal_data(verified, member, now)
    assert not verification.grants_personal_data(verified, uuid.uuid4(), now)
    assert not verification.grants_personal_data(
        _contact(member_id=member, level="on_behalf_invoice", scopes=["invoice"]), member, now
    )
    assert not verification.grants_personal_data(verified, member, now + timedelta(hours=2))
    assert not verification.grants_personal_data(
        _contact(member_id=member, level="member", scopes=["personal_data"], locked_at=now), member, now
    )


def test_the_decisions_of_the_three_paths() -> None:
    m = uuid.uuid4()
    assert verification.member_themself(m, "1", False, "1", False) == verification.Decision(True, "member", m)
    assert verification.member_themself(m, "1", False, "2", False).failure == "national_id_mismatch"
    assert verification.member_themself(None, None, False, "1", False).failure == "member_not_found"
    assert verification.on_behalf_about_invoice(m, False, "1", False, "1", False).failure == "name_mismatch"
    assert verification.on_behalf_about_invoice(m, True, "1", False, "1", False).level == "on_behalf_invoice"
    assert verification.third_party_about_case(m, False).failure == "no_power_of_attorney"
    assert verification.third_party_about_case(m, True).scopes == ["case"]
