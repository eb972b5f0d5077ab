"""Webhook signatures: HMAC-SHA256 over "<unix timestamp>.<raw body>", hex, with a freshness window."""

from __future__ import annotations

import hashlib
import hmac

from frontdoor_common.clock import Clock, SystemClock


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (seconds since the epoch)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    clock: Clock | None = None,
    signature_header: str = "X-Frontdoor-Signature",
    timestamp_header: str = "X-Frontdoor-Timestamp",
) -> dict[str, str]:
    """Headers a provider (or a test) sends with a signed webhook, made at `timestamp` (default: `clock`'s now)."""
    ts = int((clock or SystemClock()).time()) if timestamp is None else timestamp
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
    now: float,
) -> bool:
    """Whether the signature is the secret's for this body and the timestamp is fresh at `now` (epoch
    seconds): no replays."""
    if not signature or not timestamp:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature.strip())
