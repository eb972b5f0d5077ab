"""Presence transitions as a pure rule."""

from __future__ import annotations

import pytest

from frontdoor_agents.presence.rules import TransitionRefused, check

REASONS = {"break", "meeting", "not_responding"}


@pytest.mark.parametrize(
    ("current", "target", "reason"),
    [
        ("logged_out", "available", None),
        ("available", "on_call", None),
        ("on_call", "wrap_up", None),
        ("wrap_up", "available", None),
        ("available", "away", "break"),
        ("away", "away", "meeting"),
        ("away", "logged_out", "vacation"),
        ("wrap_up", "logged_out", "leave"),
        # A person's intent wins over a mirror that has not seen routing's `completed` yet.
        ("on_call", "away", "break"),
        ("on_call", "logged_out", "vacation"),
        ("wrap_up", "away", "meeting"),
        ("logged_out", "logged_out", "leave"),
        ("logged_out", "logged_out", "vacation"),
    ],
)
def test_allowed_transitions_pass(current: str, target: str, reason: str | None) -> None:
    check(current, target, reason, REASONS)


@pytest.mark.parametrize(
    ("current", "target", "reason", "field"),
    [
        ("logged_out", "on_call", None, "presence"),
        ("logged_out", "wrap_up", None, "presence"),
        ("away", "on_call", None, "presence"),
        ("away", "wrap_up", None, "presence"),
        ("on_call", "away", None, "reason"),
        ("logged_out", "logged_out", "break", "reason"),
        ("available", "away", None, "reason"),
        ("available", "away", "shopping", "reason"),
        ("available", "logged_out", None, "reason"),
        ("away", "available", "break", "reason"),
    ],
)
def test_refused_transitions_name_what_is_wrong(current: str, target: str, reason: str | None, field: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        check(current, target, reason, REASONS)
    assert refused.value.field == field
