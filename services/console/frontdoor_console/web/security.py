"""Security headers on every answer: a strict content security policy (no inline script),
no framing, no MIME sniffing, no referrer to other sites."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdoor_console.settings import Settings


def policy(settings: Settings) -> str:
    """The Content-Security-Policy (the sign-in form may be sent on to the identity provider)."""
    form_action = "'self'"
    if settings.oidc_issuer:
        parts = urlsplit(settings.oidc_issuer)
        form_action += f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action {form_action}"
    )


class SecurityHeaders:
    """ASGI middleware adding the headers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", policy(settings).encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to every HTTP answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        await self.app(scope, receive, sending)
