"""The callbacks service's settings: environment variables prefixed `CALLBACKS_`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the callbacks service."""

    model_config = SettingsConfigDict(env_prefix="CALLBACKS_", extra="ignore")

    service_name: str = "callbacks"
    port: int = 8004
