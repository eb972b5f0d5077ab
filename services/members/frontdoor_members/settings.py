"""The members service's settings: environment variables prefixed `MEMBERS_`."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import DEV_DATA_KEY, ServiceSettings


class Settings(ServiceSettings):
    """Settings of the members service."""

    model_config = SettingsConfigDict(env_prefix="MEMBERS_", extra="ignore")

    service_name: str = "members"
    port: int = 8002

    # Fernet keys for national IDs at rest, newest first. Rotate by prepending a new key,
    # running `python -m frontdoor_members.reencrypt` (or POST /admin/members/reencrypt),
    # then dropping the old key. MEMBERS_DATA_KEYS='["new", "old"]'.
    data_keys: list[str] = Field(default_factory=lambda: [DEV_DATA_KEY], min_length=1)
    # Failed verification attempts on one contact before it locks.
    max_verification_attempts: int = 3
    # How long a contact session (and its verification) stays usable.
    contact_ttl_minutes: int = 240
    # Country of a tenant that has not configured its own settings yet.
    default_country: str = "NO"

    @field_validator("data_keys")
    @classmethod
    def _keys_are_fernet_keys(cls, keys: list[str]) -> list[str]:
        from cryptography.fernet import Fernet

        for i, key in enumerate(keys):
            try:
                Fernet(key)
            except Exception as exc:
                raise ValueError(f"data_keys[{i}] is not a Fernet key (urlsafe base64 of 32 bytes)") from exc
        return keys

    def _secret_fields(self) -> dict[str, str]:
        return {f"data_keys[{i}]": key for i, key in enumerate(self.data_keys)}
