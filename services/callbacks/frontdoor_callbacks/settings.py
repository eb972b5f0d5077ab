"""The callbacks service's settings: environment variables prefixed `CALLBACKS_`."""

from __future__ import annotations

import os
import uuid
from datetime import time

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import DEMO_TENANT_ID, ServiceSettings

# The demo tenant's queues (the same fixed ids as routing's demo seed).
DEMO_QUEUE_INVOICES = uuid.UUID("0000000a-0000-4000-8000-000000000001")
DEMO_QUEUE_WAGES = uuid.UUID("0000000a-0000-4000-8000-000000000002")
DEMO_QUEUE_OTHER = uuid.UUID("0000000a-0000-4000-8000-000000000003")
DEMO_QUEUE_SWITCHBOARD = uuid.UUID("0000000a-0000-4000-8000-000000000004")


class Settings(ServiceSettings):
    """Settings of the callbacks service."""

    model_config = SettingsConfigDict(env_prefix="CALLBACKS_", extra="ignore")

    service_name: str = "callbacks"
    port: int = 8004

    # Numbers: local input is read in the tenant's region (E.164 is stored).
    default_region: str = "NO"
    tenant_regions: dict[str, str] = Field(default_factory=dict)

    # Attempts and retries.
    default_max_attempts: int = 3
    max_attempts_limit: int = 10
    retry_interval_s: int = 900
    # A callback without a window end may wait this long before it expires.
    default_window_hours: float = 72.0

    # Deadlines: priority steps (seconds left -> priority) and the at-risk lead time.
    deadline_priority_steps: list[tuple[int, int]] = Field(
        default_factory=lambda: [(24 * 3600, 1), (4 * 3600, 5), (3600, 10)]
    )
    at_risk_lead_s: int = 2 * 3600
    # Queue callbacks keep their place among live calls; the others wait below them.
    queue_callback_priority: int = 0
    other_callback_priority: int = -1
    overdue_after_s: int = 900

    # The dispatcher (0 = no background loop; tests tick it by hand).
    dispatcher_interval_s: float = 1.0
    dispatcher_batch_size: int = 200

    # Opening hours: the agents service, with a short timeout and a static fallback.
    agents_url: str | None = Field(default_factory=lambda: os.environ.get("FRONTDOOR_AGENTS_URL") or None)
    agents_token: str | None = None  # else a token is minted with jwt_secret (embedded default)
    opening_timeout_s: float = 0.5
    opening_cache_s: float = 60.0
    opening_failure_cache_s: float = 10.0
    opening_horizon_days: int = 14
    default_timezone: str = "Europe/Oslo"
    default_open_weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday = 0
    default_open_from: time = time(8, 0)
    default_open_to: time = time(15, 30)

    # Member and agent ids a callback names: the mirror first, then the owning service (short timeout).
    members_url: str | None = Field(default_factory=lambda: os.environ.get("FRONTDOOR_MEMBERS_URL") or None)
    members_token: str | None = None  # else a token is minted with jwt_secret (embedded default)
    references_timeout_s: float = 0.5

    # Answered calls are remembered this long, for callback requests that arrive after the answer.
    answered_call_retention_h: float = 48.0

    # Where a callback for a named agent goes when no queue is given, per tenant.
    default_queues: dict[str, uuid.UUID] = Field(default_factory=lambda: {DEMO_TENANT_ID: DEMO_QUEUE_OTHER})

    def region_for(self, tenant_id: str) -> str:
        """The default phone region of a tenant."""
        return self.tenant_regions.get(tenant_id, self.default_region)
