"""The agents service's settings: environment variables prefixed `AGENTS_`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the agents service."""

    model_config = SettingsConfigDict(env_prefix="AGENTS_", extra="ignore")

    service_name: str = "agents"
    port: int = 8003

    # The availability scheduler wakes at the next calendar/hours boundary, and at least this often.
    scheduler_max_sleep_s: float = 300.0
    # How far ahead the scheduler looks for the next boundary.
    scheduler_horizon_days: int = 8
    # iCalendar feeds: how often each is fetched, and how long one fetch may take.
    feed_refresh_interval_s: float = 900.0
    feed_timeout_s: float = 10.0
    feed_max_bytes: int = 5_000_000
    run_scheduler: bool = True
    run_feed_refresher: bool = True
