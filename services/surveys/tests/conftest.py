"""Fixtures: the surveys app on this test's database and broker, with a movable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdoor_common.clock import ManualClock
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.testing import SurveysHarness, running_surveys

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def clock() -> ManualClock:
    """Tuesday 17 November 2026, 10:00 in Oslo: daytime, SMS may go."""
    return ManualClock(datetime(2026, 11, 17, 10, 0, tzinfo=OSLO))


@pytest.fixture
def surveys_settings(make_settings: Callable[..., Any]) -> Callable[..., Settings]:
    """Settings for the surveys service with fast background loops."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "service_name": "surveys",
            "sms_send_interval_s": 0.05,
            "sweep_interval_s": 0.05,
            "sms_retry_backoff_s": 0.05,
            "sms_retry_backoff_max_s": 0.2,
            "consumer_session_timeout_ms": 600,
            "consumer_heartbeat_interval_ms": 150,
        }
        values.update(overrides)
        settings: Settings = make_settings(Settings, **values)
        return settings

    return build


@pytest.fixture
async def service(surveys_settings: Callable[..., Settings], clock: ManualClock) -> AsyncIterator[SurveysHarness]:
    """The running service on the broker (consumers, relay), with the SMS sender and expiry sweeper."""
    async with running_surveys(surveys_settings(), clock) as harness:
        yield harness


@pytest.fixture
async def api(surveys_settings: Callable[..., Settings], clock: ManualClock) -> AsyncIterator[SurveysHarness]:
    """The service without a broker (HTTP, SMS sender, sweeper; events stay in the outbox): for API tests."""
    async with running_surveys(surveys_settings(kafka_bootstrap_servers=None), clock) as harness:
        yield harness
