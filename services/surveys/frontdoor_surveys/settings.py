"""The surveys service's settings: environment variables prefixed `SURVEYS_`."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import ServiceSettings

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

    # The SMS outbox sender and the expiry sweeper (background tasks).
    sms_send_interval_s: float = 1.0
    sms_batch_size: int = 50
    sms_retry_backoff_s: float = 2.0
    sms_retry_backoff_max_s: float = 300.0
    sms_claim_timeout_s: float = 60.0
    sweep_interval_s: float = 30.0

    @model_validator(mode="after")
    def _refuse_the_development_webhook_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.sms_webhook_secret == DEV_WEBHOOK_SECRET:
            raise ValueError("sms_webhook_secret is the development default; set it in production")
        if self.sms_gateway == "http" and not self.sms_http_url:
            raise ValueError("sms_http_url is required with sms_gateway=http")
        return self
