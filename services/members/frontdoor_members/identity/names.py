"""Matching a name given on the phone against the registered one."""

from __future__ import annotations

import re
import unicodedata


def _tokens(name: str) -> list[str]:
    text = unicodedata.normalize("NFC", name).casefold()
    return [t for t in re.split(r"[\s,.\-]+", text) if t]


def matches(given: str, first_name: str, last_name: str) -> bool:
    """True when the given name has the member's first given name and every last-name part."""
    said = set(_tokens(given))
    first = _tokens(first_name)
    last = _tokens(last_name)
    if not said or not first or not last:
        return False
    return first[0] in said and all(t in said for t in last)


def same_person(given: str, registered: str) -> bool:
    """True when every part of the registered full name is in the given one."""
    said = set(_tokens(given))
    parts = _tokens(registered)
    return bool(parts) and all(t in said for t in parts)
