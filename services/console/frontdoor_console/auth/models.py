"""Sessions, sign-ins under way and language preferences."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field

from frontdoor_common.models import UTCDateTime
from frontdoor_console.models import ConsoleModel


class ConsoleSession(ConsoleModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "console_session"

    token_hash: str = Field(max_length=64, primary_key=True)
    tenant_id: str = Field(max_length=64, index=True)
    subject: str = Field(max_length=200)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    agent_id: str | None = Field(default=None, max_length=64)
    method: str = Field(max_length=16)  # "dev" or "oidc"
    csrf_token: str = Field(max_length=64)
    # The provider's access token, kept server-side for CONSOLE_SERVICE_TOKEN_MODE=oidc.
    access_token: str | None = Field(default=None, max_length=8000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class LoginAttempt(ConsoleModel, table=True):
    """An OpenID Connect sign-in under way: its state, nonce, PKCE verifier and where to go back to."""

    __tablename__ = "console_login_attempt"

    state: str = Field(max_length=128, primary_key=True)
    nonce: str = Field(max_length=128)
    code_verifier: str = Field(max_length=128)
    return_to: str = Field(max_length=2000)
    created_at: datetime = Field(sa_type=UTCDateTime)


class UserPreference(ConsoleModel, table=True):
    """A user's own choices that outlive a session (their language)."""

    __tablename__ = "console_user_preference"

    tenant_id: str = Field(max_length=64, primary_key=True)
    subject: str = Field(max_length=200, primary_key=True)
    locale: str = Field(max_length=8)
    updated_at: datetime = Field(sa_type=UTCDateTime)
