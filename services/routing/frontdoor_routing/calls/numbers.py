"""Caller numbers as the CTI types them -> E.164, with a switchboard extension kept apart.

"93704606-111" from a Norwegian tenant is +4793704606 with the extension "111". A number
that does not parse is kept as typed: the CTI is never refused for it. Numbers are personal
data: nothing here logs them.
"""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "NO"
# A trailing extension after a separator: "-111", " x 12", "#4", "/22".
_SUFFIX = re.compile(r"^(?P<head>.*\d)\s*(?:-|/|#|x|ext\.?)\s*(?P<ext>\d{1,6})$", re.IGNORECASE)


def _e164(text: str, region: str) -> tuple[str, str | None] | None:
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), parsed.extension or None


def normalise(raw: str | None, country: str | None) -> tuple[str | None, str | None]:
    """(number, extension): E.164 when the number parses (the tenant's country as the default region)."""
    if raw is None:
        return None, None
    text = raw.strip()
    if not text:
        return raw, None
    region = (country or DEFAULT_REGION).upper()
    whole = _e164(text, region)
    if whole is not None:
        return whole
    match = _SUFFIX.match(text)
    if match is not None:
        head = _e164(match["head"], region)
        if head is not None:
            return head[0], match["ext"]
    return text, None
