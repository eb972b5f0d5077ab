"""Server-sent events to the browser: HTML fragments as `data:` lines."""

from __future__ import annotations


def sse(event: str, html: str) -> bytes:
    """One event; every line of the fragment becomes a `data:` line (the browser joins them)."""
    lines = html.replace("\r\n", "\n").split("\n")
    body = "".join(f"data: {line}\n" for line in lines)
    return f"event: {event}\n{body}\n".encode()


KEEPALIVE = b": keepalive\n\n"
CONNECTED = b": connected\n\n"
