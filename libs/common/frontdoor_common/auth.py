"""Bearer JWT auth: tenant and scopes in the token; HS256 locally, JWKS in production.

Mint a development token: `python -m frontdoor_common.auth --tenant <uuid> --scope all`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from frontdoor_common.errors import Forbidden, Unauthorized
from frontdoor_common.settings import DEV_JWT_SECRET, ServiceSettings

# Every scope the platform knows; `all` in a token grants each of them.
SCOPES = {
    "routing:read": "Read queues, calls, stats and KPIs",
    "routing:write": "Manage queues; drive calls as a CTI system",
    "routing:agent": "Receive and answer offers as an agent desktop",
    "members:read": "Read members with personal data masked",
    "members:write": "Create and change members, contacts and the dossier",
    "members:pii": "Read unmasked personal data of verified contacts",
    "members:configure": "Set the tenant's reasons, playbooks, departments and retention windows",
    "agents:read": "Read agents, presence, calendars and availability",
    "agents:write": "Manage agents, presence and calendars",
    "callbacks:read": "Read callbacks",
    "callbacks:write": "Request callbacks and record attempts",
    "surveys:read": "Read surveys and the satisfaction index",
    "surveys:write": "Manage survey settings",
    "admin": "Operational endpoints (outbox re-publish)",
    "privacy:export": "A member's access request: everything every service holds about them",
    "privacy:erase": "Erase a member's personal data everywhere; read the erasure requests",
    "privacy:unseal": "Services only: a data key opening another service's sealed event fields",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: subject, tenant and scopes from a verified token."""

    subject: str
    tenant_id: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def has(self, scope: str) -> bool:
        """Whether the token grants `scope`."""
        return scope in self.scopes or "all" in self.scopes


def mint_token(
    *,
    tenant_id: str,
    scopes: list[str] | str = "all",
    subject: str = "dev",
    secret: str = DEV_JWT_SECRET,
    issuer: str = "frontdoor",
    ttl_seconds: int = 30 * 24 * 3600,
    audience: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """An HS256 token for a tenant (development, tests, service-to-service in the embedded default)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "tenant": tenant_id,
        "scope": scopes if isinstance(scopes, str) else " ".join(scopes),
        "iss": issuer,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if audience:
        claims["aud"] = audience
    claims.update(extra or {})
    return jwt.encode(claims, secret, algorithm="HS256")


class TokenVerifier:
    """Verifies bearer tokens against the service's settings."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token, or Unauthorized."""
        try:
            if self._jwks is not None:
                signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                key: Any = signing_key.key
                algorithms = ["RS256", "ES256", "PS256", "EdDSA"]
            else:
                key, algorithms = self.settings.jwt_secret, ["HS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
                options={"require": ["exp", "sub", "iss"], "verify_aud": self.settings.jwt_audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired.", error_id="token_expired") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("The token's signature is not valid.", error_id="token_invalid") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The token is not valid: {exc}.", error_id="token_invalid") from None
        tenant = claims.get("tenant")
        if not isinstance(tenant, str) or not tenant:
            raise Unauthorized("The token names no tenant.", error_id="token_invalid")
        raw = claims.get("scope", claims.get("scp", ""))
        scopes = frozenset(raw.split() if isinstance(raw, str) else raw)
        if self.settings.tenants and tenant not in self.settings.tenants:
            raise Forbidden("This instance does not serve the token's tenant.", error_id="tenant_not_served")
        return Principal(subject=str(claims["sub"]), tenant_id=tenant, scopes=scopes, claims=claims)


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """FastAPI dependency: the verified principal (401 problem+json without one)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer token is required.", error_id="token_missing")
    verifier: TokenVerifier = request.app.state.runtime.verifier
    principal = await verifier.verify(credentials.credentials)
    request.state.principal = principal
    import structlog

    structlog.contextvars.bind_contextvars(tenant=principal.tenant_id, subject=principal.subject)
    return principal


def require(scope: str) -> Any:
    """FastAPI dependency factory: the principal, if its token grants `scope` (else 403)."""

    async def _dep(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has(scope):
            raise Forbidden(f"The token lacks the scope '{scope}'.", error_id="scope_missing", scope=scope)
        return principal

    _dep.__name__ = f"require_{scope.replace(':', '_')}"
    return Depends(_dep)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def main(argv: list[str] | None = None) -> int:
    """Command line: print a development token."""
    parser = argparse.ArgumentParser(description="Mint a Frontdoor bearer token (HS256).")
    parser.add_argument("--tenant", required=True, help="tenant id (UUID)")
    parser.add_argument("--scope", action="append", default=None, help="a scope; repeat; default: all")
    parser.add_argument("--subject", default="dev")
    parser.add_argument("--ttl", type=int, default=30 * 24 * 3600, help="lifetime in seconds")
    parser.add_argument("--secret", default=None, help="HS256 secret (default: FRONTDOOR_JWT_SECRET or the dev one)")
    args = parser.parse_args(argv)
    import os

    secret = args.secret or os.environ.get("FRONTDOOR_JWT_SECRET") or DEV_JWT_SECRET
    print(
        mint_token(
            tenant_id=args.tenant, scopes=args.scope or "all", subject=args.subject, ttl_seconds=args.ttl, secret=secret
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
