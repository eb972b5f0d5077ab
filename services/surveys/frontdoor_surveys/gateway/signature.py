"""Webhook signatures: HMAC-SHA256 over "<unix timestamp>.<raw body>", hex, with a freshness window."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (seconds since the epoch)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    signature_header: str = "X-Frontdoor-Signature",
    timestamp_header: str = "X-Frontdoor-Timestamp",
) -> dict[str, str]:
    """Headers a provider (or a test) sends with a signed webhook."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        signature_header: sign(secret, ts, body),
        timestamp_header: str(ts),
        "content-type": "application/json",
    }


def verify(
    secret: str,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    *,
    tolerance_s: int,
    now: float | None = None,
) -> bool:
    """Whether the signature is the secret's for this body and the timestamp is fresh (no replays)."""
    if not signature or not timestamp:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature.strip())
