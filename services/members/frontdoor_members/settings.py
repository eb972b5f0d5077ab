"""The members service's settings: environment variables prefixed `MEMBERS_`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
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
    # Caller lookup from an in-process index of every number (members/phone_index.py); it re-reads
    # other replicas' changes every `lookup_index_poll_s`. False: every lookup reads the database.
    lookup_index: bool = True
    lookup_index_poll_s: float = Field(default=0.5, gt=0, le=60)
    # Time zone of a tenant the agents service has not told us about (trends count local days).
    default_timezone: str = "Europe/Oslo"

    # Mail to departments (forwards, issue 15). No host: mail waits in the outbox (make run starts a
    # local server and passes its address). `smtp_security`: "starttls" upgrades a plain connection,
    # "tls" connects with TLS (port 465); credentials are refused without one of them.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_s: float = Field(default=15.0, gt=0, le=120)
    mail_from: str = Field(default="frontdoor@localhost", max_length=320)
    mail_send_interval_s: float = Field(default=5.0, gt=0)
    mail_batch_size: int = Field(default=20, ge=1, le=500)
    mail_claim_timeout_s: float = Field(default=300.0, gt=0)
    mail_retry_backoff_s: float = Field(default=30.0, gt=0)
    mail_retry_backoff_max_s: float = Field(default=3600.0, gt=0)
    mail_max_attempts: int = Field(default=48, ge=1)
    # A member's deadline is escalated this many working days before it (never before it is recorded).
    followup_lead_working_days: int = Field(default=2, ge=0, le=30)
    followup_check_interval_s: float = Field(default=60.0, gt=0)
    # Keywords of the dossier's free text (issue 15): extracted by a worker from the first
    # `keyword_max_chars` characters of each note, remark or forwarded summary.
    keyword_interval_s: float = Field(default=10.0, gt=0)
    keyword_batch_size: int = Field(default=50, ge=1, le=1000)
    keyword_max_chars: int = Field(default=4000, ge=100, le=100_000)
    keywords_per_entry: int = Field(default=5, ge=1, le=20)

    @model_validator(mode="after")
    def _smtp_credentials_only_over_tls(self) -> Settings:
        if (self.smtp_username or self.smtp_password) and self.smtp_security == "none":
            raise ValueError("smtp_username/smtp_password need smtp_security starttls or tls (never in plain text)")
        if bool(self.smtp_username) != bool(self.smtp_password):
            raise ValueError("smtp_username and smtp_password go together")
        if any(c in self.mail_from for c in "\r\n"):
            raise ValueError("mail_from must be one line")
        return self

    def _secret_fields(self) -> dict[str, str]:
        return {f"data_keys[{i}]": key for i, key in enumerate(self.data_keys)}

    # Course feeds (issue 16, courses/feed.py): an import's size (never above max_body_bytes for a
    # POSTed feed), its entries and recurrence expansion bounded, the parse stopped after its budget;
    # the worker looks for due feeds every `course_feed_check_interval_s` and fetches each with
    # frontdoor_common.safe_http within `course_feed_timeout_s`.
    course_feed_max_bytes: int = Field(default=2_000_000, ge=1000, le=50_000_000)
    course_feed_max_entries: int = Field(default=2000, ge=1, le=100_000)
    course_feed_horizon_days: int = Field(default=400, ge=1, le=3660)
    course_feed_parse_budget_s: float = Field(default=5.0, gt=0, le=120)
    course_feed_timeout_s: float = Field(default=20.0, gt=0, le=300)
    course_feed_check_interval_s: float = Field(default=60.0, gt=0)
    # Hosts a feed may be fetched from although they resolve to loopback or private addresses: for
    # tests with local servers only (refused in production).
    course_feed_allow_private: bool = False

    @model_validator(mode="after")
    def _no_private_course_feeds_in_production(self) -> Settings:
        if self.environment == "production" and self.course_feed_allow_private:
            raise ValueError("course_feed_allow_private is for tests with local servers only")
        return self

    # Members' emails and web forms (issue 15, messages/): the SMTP intake listens on
    # intake_smtp_host:intake_smtp_port (off without a port; `make run` sets one; 0 takes a free
    # port), refuses a mail larger than `intake_max_bytes` (552) and keeps `message_text_max_chars`
    # characters of a text (the raw size is recorded).
    intake_smtp_host: str = "127.0.0.1"
    intake_smtp_port: int | None = Field(default=None, ge=0, le=65535)
    intake_hostname: str = Field(default="frontdoor.local", min_length=1, max_length=253)
    intake_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    intake_timeout_s: float = Field(default=60.0, gt=0, le=600)
    message_text_max_chars: int = Field(default=65536, ge=1000, le=1_000_000)
    # At most this many SMTP sessions at once; one more is answered 421 (the sender's server retries).
    intake_max_connections: int = Field(default=100, ge=1, le=10_000)
    # STARTTLS: with a certificate (a folder holding tls.crt and tls.key in PEM, as a
    # kubernetes.io/tls Secret mounts) the intake offers it and refuses mail sent without it (530),
    # so members' mail never crosses the network in plain text. Production requires one.
    intake_tls_dir: Path | None = None

    @model_validator(mode="after")
    def _intake_tls(self) -> Settings:
        if self.environment == "production" and self.intake_smtp_port is not None and self.intake_tls_dir is None:
            raise ValueError(
                "the SMTP intake would take members' mail in plain text: set intake_tls_dir (a folder with "
                "tls.crt and tls.key; STARTTLS is then required)"
            )
        return self
