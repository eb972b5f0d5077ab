"""The agents service's settings: environment variables prefixed `AGENTS_`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the agents service."""

    model_config = SettingsConfigDict(env_prefix="AGENTS_", extra="ignore")

    service_name: str = "agents"
    port: int = 8003
