"""The forward panel asks members about a pending mail every 2 s for its first minute, then every
30 s: a mail that waits (relay down, or none set) must not have every open desk ask all day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdoor_console.desk.forwards import POLL_SECONDS, SLOW_POLL_SECONDS, poll_seconds

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("forward", "expected"),
    [
        ({"created_at": (NOW - timedelta(seconds=5)).isoformat()}, POLL_SECONDS),
        ({"created_at": (NOW - timedelta(seconds=59)).isoformat()}, POLL_SECONDS),
        ({"created_at": (NOW - timedelta(minutes=2)).isoformat()}, SLOW_POLL_SECONDS),
        ({"created_at": "2026-11-30T08:00:00+00:00"}, SLOW_POLL_SECONDS),
        ({"created_at": "not a time"}, POLL_SECONDS),
        ({}, POLL_SECONDS),
        (None, POLL_SECONDS),
    ],
)
def test_the_panel_asks_less_often_once_a_mail_has_waited_a_minute(
    forward: dict[str, str] | None, expected: int
) -> None:
    assert poll_seconds(forward, NOW) == expected
