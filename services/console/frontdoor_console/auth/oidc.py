"""OpenID Connect sign-in: authorization code with PKCE (S256), through Authlib.

The provider's metadata and keys come from its discovery document. A sign-in under way is
remembered server-side by its `state` (with the nonce and the PKCE verifier), bound to the
browser that started it by a cookie (RFC 6749 10.12), used once, for ten minutes at most.
The ID token is verified (signature from the provider's JWKS, issuer, audience, expiry,
nonce, at_hash) and mapped to a console user: the tenant (fixed per provider, or a claim),
the agent (a claim naming the agent's id at the agents service), the role (a claim of role
or group names, mapped by `CONSOLE_OIDC_ROLE_MAP`; the highest wins). No role, no tenant:
no session.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from authlib.deprecate import AuthlibDeprecationWarning

from frontdoor_common.clock import Clock
from frontdoor_console.auth.roles import ROLES, Role, parse_role
from frontdoor_console.auth.sessions import Identity
from frontdoor_console.settings import Settings

with warnings.catch_warnings():
    # Authlib warns about its own httpx integration at import (its `deprecate` module asks for
    # every such warning "always", so the filter goes in after it); the client it gives works.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth


class SignInRefused(Exception):
    """The provider signed the user in, but the console cannot give them a session."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what to remember until it comes back."""

    url: str
    state: str
    nonce: str
    code_verifier: str


class OidcProvider:
    """The configured identity provider."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        issuer = (settings.oidc_issuer or "").rstrip("/")
        self.oauth = OAuth()
        self.oauth.register(
            "idp",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "timeout": settings.oidc_timeout_s,
                # Without a secret the console is a public client: PKCE is what protects the code.
                "token_endpoint_auth_method": "client_secret_basic" if settings.oidc_client_secret else "none",
            },
        )
        self.client: Any = self.oauth.create_client("idp")

    async def authorize(self, redirect_uri: str) -> Authorization:
        """A new authorization request (state, nonce and PKCE verifier made here)."""
        made = await self.client.create_authorization_url(redirect_uri)
        return Authorization(
            url=str(made["url"]),
            state=str(made["state"]),
            nonce=str(made["nonce"]),
            code_verifier=str(made["code_verifier"]),
        )

    async def complete(self, redirect_uri: str, code: str, code_verifier: str, nonce: str) -> Identity:
        """Exchange the code (with the PKCE verifier), verify the ID token, map the user."""
        token = await self.client.fetch_access_token(redirect_uri=redirect_uri, code=code, code_verifier=code_verifier)
        claims = await self.client.parse_id_token(token, nonce=nonce)
        if claims is None:
            raise SignInRefused("the provider sent no ID token")
        return self.identity(dict(claims), access_token=token.get("access_token"))

    def identity(self, claims: dict[str, Any], *, access_token: str | None = None) -> Identity:
        """The console user the verified claims describe."""
        s = self.settings
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise SignInRefused("the ID token names no subject")
        claimed_tenant = claims.get(s.oidc_tenant_claim)
        if s.oidc_tenant:
            if claimed_tenant not in (None, s.oidc_tenant):
                raise SignInRefused("the user belongs to another tenant")
            tenant = s.oidc_tenant
        elif isinstance(claimed_tenant, str) and claimed_tenant:
            tenant = claimed_tenant
        else:
            raise SignInRefused("the ID token names no tenant")
        role = self.role(claims.get(s.oidc_roles_claim))
        if role is None:
            raise SignInRefused("the user has no role in the console")
        agent = claims.get(s.oidc_agent_claim)
        name = next(
            (str(claims[k]) for k in ("name", "preferred_username", "email") if isinstance(claims.get(k), str)),
            subject,
        )
        return Identity(
            tenant_id=tenant,
            subject=subject,
            name=name,
            role=role,
            agent_id=str(agent) if isinstance(agent, str) and agent else None,
            method="oidc",
            access_token=access_token,
        )

    def role(self, claimed: Any) -> Role | None:
        """The highest console role among the provider's role names."""
        names = claimed.split() if isinstance(claimed, str) else claimed if isinstance(claimed, list) else []
        found = [parse_role(self.settings.oidc_role_map.get(str(n))) for n in names]
        known = [r for r in found if r is not None]
        return max(known, key=ROLES.index) if known else None

    async def close(self) -> None:
        """Nothing pooled to close (Authlib opens a client per exchange)."""
