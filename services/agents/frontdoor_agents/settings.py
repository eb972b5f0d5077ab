"""The agents service's settings: environment variables prefixed `AGENTS_`."""

from __future__ import annotations

from pydantic import model_validator
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
    # iCalendar feeds: how often each is fetched, and how long one whole fetch (DNS, connect, redirects,
    # body) may take; bodies stop at feed_max_bytes.
    feed_refresh_interval_s: float = 900.0
    feed_timeout_s: float = 10.0
    feed_max_bytes: int = 5_000_000
    feed_max_redirects: int = 3
    # Fetch feeds from loopback and private addresses too: for tests with local servers only (refused in
    # production). Tenants list their own intranet hosts in their settings (feed_allow_hosts) instead.
    feed_allow_private: bool = False
    # Parsing and expanding one calendar runs off the event loop and is stopped after this long; a
    # calendar with more occurrences than this in the scheduler's window is refused.
    feed_expand_budget_s: float = 5.0
    feed_max_occurrences: int = 20_000
    run_scheduler: bool = True
    run_feed_refresher: bool = True

    @model_validator(mode="after")
    def _no_private_feeds_in_production(self) -> Settings:
        if self.environment == "production" and self.feed_allow_private:
            raise ValueError("feed_allow_private is for tests; list intranet hosts per tenant instead")
        return self
