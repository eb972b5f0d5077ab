"""A real OpenID provider for the tests: oidc-provider-mock, with PKCE required.

Run as a process: `python oidc_provider.py --port N`. oidc-provider-mock 0.3 (the last for
Python 3.11) does not check PKCE; this registers Authlib's own RFC 7636 extension on its
authorization-code grant, so an authorization request without an S256 `code_challenge` and a
token request whose `code_verifier` does not match are refused, as a real provider would.
Users and their claims are set over its API (`PUT /users/{sub}`).
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import authlib.deprecate
import authlib.integrations.flask_oauth2 as flask_oauth2
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge

with warnings.catch_warnings():
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    import oidc_provider_mock._app as provider
    from oidc_provider_mock.__main__ import run

CHALLENGES: dict[str, tuple[str | None, str | None]] = {}


class RequiredPkce(CodeChallenge):  # type: ignore[misc]
    """S256 PKCE on every authorization request; the challenge kept beside the provider's code."""

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if data.get("code_challenge_method") != "S256" or not data.get("code_challenge"):
            raise InvalidRequestError("PKCE with S256 is required")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: Any) -> str | None:
        return CHALLENGES.get(authorization_code.code, (None, None))[0]

    def get_authorization_code_challenge_method(self, authorization_code: Any) -> str | None:
        return CHALLENGES.get(authorization_code.code, (None, None))[1]


_save = provider.AuthorizationCodeGrant.save_authorization_code


def _save_with_challenge(self: Any, code: str, request: Any) -> None:
    _save(self, code, request)
    data = request.payload.data
    CHALLENGES[code] = (data.get("code_challenge"), data.get("code_challenge_method"))


provider.AuthorizationCodeGrant.save_authorization_code = _save_with_challenge
_register = flask_oauth2.AuthorizationServer.register_grant


def _register_with_pkce(self: Any, grant_cls: Any, extensions: list[Any] | None = None) -> Any:
    if grant_cls is provider.AuthorizationCodeGrant:
        extensions = [*(extensions or []), RequiredPkce(required=True)]
    return _register(self, grant_cls, extensions)


flask_oauth2.AuthorizationServer.register_grant = _register_with_pkce

if __name__ == "__main__":
    sys.exit(run())
