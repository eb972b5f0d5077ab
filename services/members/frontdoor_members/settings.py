"""The members service's settings: environment variables prefixed `MEMBERS_`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import DEV_DATA_KEY, FernetKey, ServiceSettings


class Settings(ServiceSettings):
    """Settings of the members service."""

    model_config = SettingsConfigDict(env_prefix="MEMBERS_", extra="ignore")

    service_name: str = "members"
    port: int = 8002

    # Fernet keys for national IDs at rest, newest first. Rotate by prepending a new key,
    # running `python -m frontdoor_members.reencrypt` (or POST /admin/members/reencrypt),
    # then dropping the old key. MEMBERS_DATA_KEYS='["new", "old"]'.
    data_keys: list[FernetKey] = Field(default_factory=lambda: [DEV_DATA_KEY], min_length=1)
    # Failed verification attempts on one contact before it locks.
    max_verification_attempts: int = 3
    # Failed attempts about one member, or from one calling number, over every contact within the
    # lockout window, before verification for that member (or from that number) is refused.
    max_member_verification_failures: int = 5
    max_number_verification_failures: int = 5
    verification_lockout_minutes: int = Field(default=24 * 60, ge=1)
    # How long a contact session (and its verification) stays usable.
    contact_ttl_minutes: int = 240
    # Country of a tenant that has not configured its own settings yet.
    default_country: str = "NO"
    # Time zone of a tenant the agents service has not told us about (trends count local days).
    default_timezone: str = "Europe/Oslo"

    def _secret_fields(self) -> dict[str, str]:
        return {f"data_keys[{i}]": key for i, key in enumerate(self.data_keys)}
