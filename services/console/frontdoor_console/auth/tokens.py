"""The bearer tokens the console sends the services on a user's behalf.

"mint": a short-lived HS256 token for the user's tenant, with their role's scopes, signed with
the services' shared secret (the embedded default's development secret outside production;
production only with `CONSOLE_SERVICE_TOKEN_SECRET` set). "oidc": the identity provider's own
access token, kept server-side in the session. The browser never sees either.
"""

from __future__ import annotations

from frontdoor_common.auth import mint_token
from frontdoor_console.auth.roles import scopes_for
from frontdoor_console.auth.user import User
from frontdoor_console.settings import Settings


class NoServiceToken(Exception):
    """The console cannot act for this user at the services (no secret, no access token)."""


class ServiceTokens:
    """Makes the token for a user's calls to the services."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def for_user(self, user: User) -> str:
        """The token to send for `user`."""
        if self.settings.service_token_mode == "oidc":
            if not user.access_token:
                raise NoServiceToken("the session holds no access token")
            return user.access_token
        return self.minted(user.tenant_id, scopes_for(user.role), user.token_subject, name=user.name, role=user.role)

    def minted(self, tenant_id: str, scopes: tuple[str, ...], subject: str, **claims: str) -> str:
        """A token of the console's own signing (never without a configured secret in production)."""
        secret = self.settings.signing_secret
        if secret is None:
            raise NoServiceToken("no secret to sign service tokens with")
        return mint_token(
            tenant_id=tenant_id,
            scopes=list(scopes),
            subject=subject,
            secret=secret,
            issuer=self.settings.service_token_issuer,
            ttl_seconds=self.settings.service_token_ttl_s,
            audience=self.settings.service_token_audience,
            extra={"via": "console", **claims},
        )
