"""Phone numbers: local input in the tenant's region, stored as E.164."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, region: str) -> str | None:
    """The number in E.164, or None if it is not a valid number."""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
