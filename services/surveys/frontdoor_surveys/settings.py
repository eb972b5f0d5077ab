"""The surveys service's settings: environment variables prefixed `SURVEYS_`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import DEV_DATA_KEY, FernetKey, ServiceSettings

# Works on a laptop, refused in production (see ServiceSettings._secret_fields).
DEV_WEBHOOK_SECRET = "frontdoor-dev-sms-webhook-secret-change-me"


class Settings(ServiceSettings):
    """Settings of the surveys service."""

    model_config = SettingsConfigDict(env_prefix="SURVEYS_", extra="ignore")

    service_name: str = "surveys"
    port: int = 8005

    # The SMS gateway: "file" (embedded default: JSON lines under var_dir) or "http" (a provider).
    sms_gateway: Literal["file", "http"] = "file"
    sms_file_name: str = "sms-outgoing.jsonl"
    sms_http_url: str | None = None
    sms_http_username: str | None = None
    sms_http_password: str | None = None
    sms_http_token: str | None = None
    sms_http_timeout_s: float = 10.0
    sms_sender_id: str = "Frontdoor"
    # Where the provider posts delivery receipts (this service's public /v1/sms/receipts), if it should.
    sms_receipt_url: str | None = None
    # Inbound webhooks and delivery receipts carry an HMAC-SHA256 of "<timestamp>.<body>".
    sms_webhook_secret: str = DEV_WEBHOOK_SECRET
    sms_signature_header: str = "X-Frontdoor-Signature"
    sms_timestamp_header: str = "X-Frontdoor-Timestamp"
    sms_signature_tolerance_s: int = 300

    # Per-tenant gateways (PUT /v1/sms/gateway): each tenant's webhook secret and provider token are
    # stored encrypted with these Fernet keys, newest first (SURVEYS_SMS_SECRET_KEYS='["new", "old"]').
    sms_secret_keys: list[FernetKey] = Field(default_factory=lambda: [DEV_DATA_KEY], min_length=1)
    # A tenant's gateway URL must resolve to public addresses; these let a development or test
    # setup reach a gateway on loopback or a private network on purpose.
    # After PUT /v1/sms/gateway {"rotate_secret": true} the previous secret verifies this long.
    sms_secret_rotation_grace_s: int = 24 * 3600
    sms_gateway_allow_private: bool = False
    sms_gateway_allow_hosts: list[str] = Field(default_factory=list)
    # A tenant's gateway gets this long and may answer this much (the answer is never shown).
    sms_gateway_deadline_s: float = 10.0
    sms_gateway_max_response_bytes: int = 64 * 1024

    # The SMS outbox sender and the expiry sweeper (background tasks).
    sms_send_interval_s: float = 1.0
    sms_batch_size: int = 50
    sms_retry_backoff_s: float = 2.0
    sms_retry_backoff_max_s: float = 300.0
    sms_claim_timeout_s: float = 60.0
    sweep_interval_s: float = 30.0
    # A completed call whose caller is identified later (routing.call.identified) is still
    # considered for a survey within this window after it completed.
    late_identification_hours: float = 24.0

    def _secret_fields(self) -> dict[str, str]:
        return {f"sms_secret_keys[{i}]": key for i, key in enumerate(self.sms_secret_keys)}

    @model_validator(mode="after")
    def _refuse_the_development_webhook_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.sms_webhook_secret == DEV_WEBHOOK_SECRET:
            raise ValueError("sms_webhook_secret is the development default; set it in production")
        if self.sms_gateway == "http" and not self.sms_http_url:
            raise ValueError("sms_http_url is required with sms_gateway=http")
        return self
