"""The routing service's settings: environment variables prefixed `ROUTING_`."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the routing service."""

    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    service_name: str = "routing"
    port: int = 8001
    # Where the other services answer (the launcher sets FRONTDOOR_<SERVICE>_URL).
    members_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ROUTING_MEMBERS_URL", "FRONTDOOR_MEMBERS_URL", "members_url")
    )
    agents_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ROUTING_AGENTS_URL", "FRONTDOOR_AGENTS_URL", "agents_url")
    )
    # Caller identification must never hold up routing: past this, the call goes on unidentified.
    identify_timeout_s: float = 0.3
    # A lookup members did not answer in time is retried in the background (this process only).
    identify_retries: int = 6
    identify_retry_backoff_s: float = 1.0
    identify_retry_timeout_s: float = 2.0
    identify_resume_hours: float = 4.0
    # An unknown contact reason is checked with members within this before it is refused.
    reasons_timeout_s: float = 0.5
    reconcile_timeout_s: float = 5.0
    seconds_per_priority: float = 60.0
    known_agent_preference_seconds: float = 10.0
    known_agent_memory_hours: float = 24.0
    default_aht_seconds: float = 180.0
    # Tasks (emails, web forms): how many an agent holds at once (besides at most one call), and
    # how long a task offer waits for accept or decline.
    task_capacity: int = Field(default=3, ge=0, le=50)
    task_offer_timeout_s: float = Field(default=120.0, gt=0, le=3600)
    # Group commit (the engine's docstring): changes waiting behind one another share a transaction
    # and its commit. Off by default: with it on, CI once found a routing process that stopped
    # answering (cause not found yet); `make bench-routing-rest` measures it on.
    group_commit: bool = False
    # Once the served tenants are loaded, freeze what is alive out of the garbage collector's walk
    # (`gc.freeze`), so a full collection never pauses a decision for the whole loaded state.
    # Unset: on, but in the test environment (where one process starts many apps and freezing would
    # keep each one's cycles alive).
    gc_freeze: bool | None = None
    # Planning requests run off the event loop within these budgets (seconds).
    planning_budget_s: float = 15.0
    formula_budget_s: float = 5.0
    # With JWKS in production routing cannot mint tokens: give it one to call the agents service.
    service_token: str | None = None
    # How long the sealer trusts a cached seal key (issue 17). The common default (60 s) guards
    # against another process of the service shredding a key; in routing only the shard's owner
    # erases its tenants' keys (the erasure consumer checks the shard's lease, and its shred
    # drops the key from this cache at once), so a call's later events (its wrap-up minutes on)
    # reuse the key without reading `seal_keys` again.
    seal_cache_s: float = Field(default=3600.0, gt=0, le=86_400)
