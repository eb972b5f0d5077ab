"""The surveys service's settings: environment variables prefixed `SURVEYS_`."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the surveys service."""

    model_config = SettingsConfigDict(env_prefix="SURVEYS_", extra="ignore")

    service_name: str = "surveys"
    port: int = 8005
