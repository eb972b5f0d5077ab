"""The members service's settings: environment variables prefixed `MEMBERS_`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the members service."""

    model_config = SettingsConfigDict(env_prefix="MEMBERS_", extra="ignore")

    service_name: str = "members"
    port: int = 8002
