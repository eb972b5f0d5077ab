"""The console's settings: environment variables prefixed `CONSOLE_`."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from frontdoor_common.settings import DEMO_TENANT_ID, DEV_JWT_SECRET, ServiceSettings

Locale = Literal["en", "nb", "da", "nl"]


def _service_url(name: str, port: int) -> str:
    # `make run` passes FRONTDOOR_<SVC>_URL; the default is where the launcher puts the service.
    return os.environ.get(f"FRONTDOOR_{name.upper()}_URL") or f"http://127.0.0.1:{port}"


class Settings(ServiceSettings):
    """Settings of the console (a backend-for-frontend: no domain data of its own)."""

    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    service_name: str = "console"
    port: int = 8006
    # The console publishes no events: no outbox relay to run.
    run_relay: bool = False

    # The five services it calls on the user's behalf.
    routing_url: str = Field(default_factory=lambda: _service_url("routing", 8001))
    members_url: str = Field(default_factory=lambda: _service_url("members", 8002))
    agents_url: str = Field(default_factory=lambda: _service_url("agents", 8003))
    callbacks_url: str = Field(default_factory=lambda: _service_url("callbacks", 8004))
    surveys_url: str = Field(default_factory=lambda: _service_url("surveys", 8005))
    service_timeout_s: float = Field(default=5.0, gt=0)
    service_connect_timeout_s: float = Field(default=1.0, gt=0)

    # The tokens it sends them: "mint" signs a short-lived HS256 token for the user's tenant and
    # role (the services' shared secret: the embedded default's, or one configured for
    # production); "oidc" forwards the identity provider's access token (the services then
    # verify it against the provider's JWKS and read tenant and scope from it).
    service_token_mode: Literal["mint", "oidc"] = "mint"
    service_token_secret: str | None = Field(default=None, repr=False)
    service_token_ttl_s: int = Field(default=300, ge=30, le=3600)
    service_token_issuer: str = "frontdoor"
    service_token_audience: str | None = None

    # Sessions: an HttpOnly cookie naming a server-side session.
    session_idle_minutes: float = Field(default=480, gt=0)
    session_max_hours: float = Field(default=12, gt=0)
    cookie_secure: bool | None = None  # default: in production only

    # Sign-in: the development list of staff, or OpenID Connect (authorization code + PKCE).
    dev_signin: bool | None = None  # default: outside production only
    dev_tenant: str = DEMO_TENANT_ID  # whose staff the development sign-in lists
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = Field(default=None, repr=False)
    oidc_scopes: str = "openid profile email"
    oidc_tenant: str | None = None  # the tenant of every user of this provider; else the tenant claim
    oidc_tenant_claim: str = "tenant"
    oidc_agent_claim: str = "frontdoor_agent_id"
    oidc_roles_claim: str = "roles"
    # The provider's role (group) names -> the console's roles.
    oidc_role_map: dict[str, str] = Field(
        default_factory=lambda: {
            "agent": "agent",
            "supervisor": "supervisor",
            "team_lead": "team_lead",
            "administrator": "administrator",
        }
    )
    oidc_timeout_s: float = Field(default=5.0, gt=0)
    # Where browsers reach the console (the redirect URI's base); default: the request's own.
    public_url: str | None = None

    # Languages: the user's choice, else the tenant's (this map, else its country's), else English.
    default_locale: Locale = "en"
    tenant_locales: dict[str, Locale] = Field(default_factory=dict)

    # The wallboard's service-level target (share answered within the queue's target seconds).
    service_level_target: float = Field(default=0.8, gt=0, le=1)
    tenant_service_level_targets: dict[str, float] = Field(default_factory=dict)

    # Live updates: boards are refreshed on the services' events (the bus, when there is one),
    # at least every `board_refresh_s`, and at most every `board_debounce_s`.
    board_refresh_s: float = Field(default=5.0, gt=0)
    board_debounce_s: float = Field(default=0.1, ge=0)
    event_feed: bool = True
    offer_stream_retry_s: float = Field(default=2.0, gt=0)
    sse_keepalive_s: float = Field(default=15.0, gt=0)
    tenant_info_cache_s: float = Field(default=60.0, ge=0)

    @model_validator(mode="after")
    def _production_sign_in_and_tokens(self) -> Settings:
        if self.environment == "production":
            if self.dev_signin:
                raise ValueError("the development sign-in cannot be switched on in production")
            if not (self.oidc_issuer and self.oidc_client_id):
                raise ValueError("production needs OpenID Connect: set CONSOLE_OIDC_ISSUER and CONSOLE_OIDC_CLIENT_ID")
            if self.service_token_mode == "mint" and self.service_token_secret in (None, "", DEV_JWT_SECRET):
                raise ValueError(
                    "production mints service tokens only with a configured CONSOLE_SERVICE_TOKEN_SECRET "
                    "(or set CONSOLE_SERVICE_TOKEN_MODE=oidc)"
                )
        return self

    @property
    def production(self) -> bool:
        """Whether this is a production deployment."""
        return self.environment == "production"

    @property
    def dev_signin_enabled(self) -> bool:
        """The development sign-in (a list of the tenant's staff): never in production."""
        return (not self.production) if self.dev_signin is None else (self.dev_signin and not self.production)

    @property
    def oidc_enabled(self) -> bool:
        """Whether OpenID Connect sign-in is configured."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure in production (and wherever configured)."""
        return self.production if self.cookie_secure is None else self.cookie_secure

    @property
    def signing_secret(self) -> str | None:
        """The secret service tokens are minted with (None: the console must not mint)."""
        if self.service_token_mode != "mint":
            return None
        if self.service_token_secret:
            return self.service_token_secret
        return None if self.production else self.jwt_secret

    def service_level_target_for(self, tenant_id: str) -> float:
        """The tenant's service-level target (0-1)."""
        return self.tenant_service_level_targets.get(tenant_id, self.service_level_target)
