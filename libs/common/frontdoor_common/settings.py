"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only defaults. They work out of the box on a laptop and are refused
# anywhere else, so a forgotten variable in production fails loudly at start.
DEV_JWT_SECRET = "frontdoor-dev-secret-change-me-0123456789abcdef"
DEV_DATA_KEY = "ZnJvbnRkb29yLWRldi1kYXRhLWtleS0wMTIzNDU2Nzg="  # urlsafe b64 of 32 bytes
DEMO_TENANT_ID = "00000000-0000-4000-8000-00000000d3e0"


def demo_department_id(code: str) -> uuid.UUID:
    """The demo tenant's department `code`, the same id in every service and on every machine (the
    agents seed gives counsellors the department members' seed creates, without asking members)."""
    return uuid.uuid5(uuid.UUID(DEMO_TENANT_ID), f"department:{code}")


def _is_fernet_key(key: str) -> str:
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
    except Exception as exc:
        raise ValueError("not a Fernet key (urlsafe base64 of 32 bytes)") from exc
    return key


# A key for data encrypted at rest (national IDs, SMS webhook secrets); a list of them is
# newest first, so a key is rotated by prepending the new one. A bad key names its index
# (`data_keys.1`) and refuses the start.
FernetKey = Annotated[str, AfterValidator(_is_fernet_key)]


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


class ServiceSettings(BaseSettings):
    """Settings every Frontdoor service has. Subclasses set `env_prefix` (ROUTING_, ...)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = Field(
        default_factory=lambda: os.environ.get("FRONTDOOR_ENV", "development")  # type: ignore[arg-type]
    )
    host: str = "127.0.0.1"
    port: int = 8000
    var_dir: Path = Field(default_factory=lambda: Path(os.environ.get("FRONTDOOR_VAR_DIR", "var")))

    # Database: SQLite file under var/ by default, PostgreSQL in production.
    database_url: str = ""
    database_echo: bool = False

    # Event bus. Empty bootstrap servers = the embedded default (make run starts a broker
    # and passes its address). KAFKA_BOOTSTRAP_SERVERS is honoured without prefix too.
    kafka_bootstrap_servers: str | None = Field(default_factory=lambda: _env("KAFKA_BOOTSTRAP_SERVERS"))
    topic_prefix: str = ""
    topic_partitions: int = 6
    topic_replication_factor: int = 1
    outbox_retention_hours: float = 72.0
    outbox_batch_size: int = 500
    outbox_poll_interval_s: float = 0.25
    broker_watch_interval_s: float = 2.0
    consumer_session_timeout_ms: int = 10000  # the local broker waits half of it to form a group
    consumer_heartbeat_interval_ms: int = 1000
    consumer_max_retries: int = 5
    consumer_retry_backoff_s: float = 0.05
    consumer_retry_backoff_max_s: float = 2.0
    run_relay: bool = True
    run_consumers: bool = True

    # Auth: HS256 with a local secret in development, JWKS in production.
    jwt_secret: str = DEV_JWT_SECRET
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "frontdoor"
    jwt_audience: str | None = None
    # Tenants this instance serves (empty = all), and the shard's name: routing is sharded by
    # tenant, and each shard consumes every event in its own consumer group, keeping its own.
    tenants: list[str] = Field(default_factory=list)
    shard: str | None = None

    # Telemetry
    log_level: str = "INFO"
    log_json: bool = True
    otel_enabled: bool = True

    # HTTP: the largest request body accepted (413 problem+json above it), and a structured
    # access log (route template and status only, never the query string).
    max_body_bytes: int = Field(default=1024 * 1024, ge=0)
    access_log: bool = False

    seed_demo: bool = False
    shutdown_step_timeout_s: float = 10.0

    # Personal data (issue 17). The personal fields of published events are sealed with a data key
    # per subject (a member, a phone number), kept in the service's `seal_keys` table wrapped by
    # `seal_keys` (newest first; rotate by prepending). A subject is named by a keyed digest that
    # must be the same in every service (FRONTDOOR_SUBJECT_DIGEST_KEY), so an erasure request can
    # name the subjects without naming the person. `service_token` is what this service shows
    # another service to fetch a data key (`privacy:unseal`); empty = minted with `jwt_secret`.
    seal_keys: list[FernetKey] = Field(
        default_factory=lambda: (_env("FRONTDOOR_SEAL_KEYS") or DEV_DATA_KEY).split(","), min_length=1, repr=False
    )
    subject_digest_key: str = Field(
        default_factory=lambda: _env("FRONTDOOR_SUBJECT_DIGEST_KEY") or DEV_DATA_KEY, repr=False
    )
    service_token: str | None = Field(default_factory=lambda: _env("FRONTDOOR_SERVICE_TOKEN"), repr=False)
    # The daily retention job: how often it runs (a day), and the delay of its first run after start.
    retention_interval_s: float = Field(default=86_400.0, gt=0)
    retention_first_run_delay_s: float = Field(default=300.0, ge=0)

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_development(self) -> ServiceSettings:
        if self.environment == "production":
            if self.jwt_jwks_url is None and self.jwt_secret == DEV_JWT_SECRET:
                raise ValueError("jwt_secret is the development default; set a secret or jwt_jwks_url in production")
            for name, value in self._secret_fields().items():
                if value == DEV_DATA_KEY:
                    raise ValueError(f"{name} is the development default; set it in production")
            if self.subject_digest_key == DEV_DATA_KEY or DEV_DATA_KEY in self.seal_keys:
                raise ValueError("seal_keys and subject_digest_key are development defaults; set them in production")
        return self

    def _secret_fields(self) -> dict[str, str]:
        """Other secrets a subclass holds; refused at their dev default in production."""
        return {}

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file under var/ named after the service."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / (self.service_name + '.db')}"

    def topic(self, name: str) -> str:
        """A topic name with this deployment's prefix (tests isolate themselves with it)."""
        return f"{self.topic_prefix}{name}"
