"""The survey events' snapshot: read off the row in one place, without the number or the comment text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from frontdoor_surveys.surveys.models import Survey
from frontdoor_surveys.surveys.notifier import survey_snapshot

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)


def _survey(**changes: object) -> Survey:
    survey = Survey(
        tenant_id="t-1",
        source="call",
        source_key="call:x",
        call_id=uuid.uuid4(),
        member_id=uuid.uuid4(),
        phone="+4741234567",
        language="no",
        status="completed",
        questions=["A?", "B?", "C?", "D?"],
        answers=[5, 4, 4, 3],
        score=75.0,
        comment="Rask og hyggelig hjelp",
        contact_completed_at=T0,
        created_at=T0,
        sent_at=T0 + timedelta(minutes=1),
        completed_at=T0 + timedelta(minutes=9),
        expires_at=T0 + timedelta(days=1),
    )
    for name, value in changes.items():
        setattr(survey, name, value)
    return survey


def test_the_snapshot_counts_the_questions_and_says_whether_there_is_a_comment_but_not_what() -> None:
    survey = _survey()
    snap = survey_snapshot(survey)
    assert snap.survey_id == survey.id and snap.tenant_id == "t-1" and snap.source == "call"
    assert (snap.status, snap.questions, snap.answers, snap.score) == ("completed", 4, [5, 4, 4, 3], 75.0)
    assert snap.has_comment is True
    assert (snap.sent_at, snap.completed_at) == (survey.sent_at, survey.completed_at)
    dumped = snap.model_dump_json()
    assert "+4741234567" not in dumped and "Rask" not in dumped
    assert survey_snapshot(_survey(comment=None)).has_comment is False


def test_a_row_whose_status_or_source_an_event_cannot_carry_is_refused() -> None:
    with pytest.raises(ValidationError):
        survey_snapshot(_survey(status="lost"))
    with pytest.raises(ValidationError):
        survey_snapshot(_survey(source="fax"))
