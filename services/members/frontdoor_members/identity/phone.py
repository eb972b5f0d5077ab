"""Phone numbers: E.164 via phonenumbers, local formats and switchboard suffixes."""

from __future__ import annotations

import re

import phonenumbers

from frontdoor_members.identity import IdentityError

# Calls put through by the switchboard carry the extension they came from: 90595313-111.
_TRANSFER_SUFFIX = re.compile(r"^(?P<number>.*\d)\s*-\s*\d{1,4}$")
_JUNK = re.compile(r"[\s().\-/]")


def normalise(raw: str, region: str, *, strict: bool = True) -> str:
    """E.164 for `raw` read with `region` as the default country (strict: a valid number)."""
    text = raw.strip()
    if not text:
        raise IdentityError("the phone number is empty")
    candidates = [text]
    suffixed = _TRANSFER_SUFFIX.match(text)
    if suffixed:
        candidates.insert(0, suffixed.group("number"))
    for candidate in candidates:
        compact = _JUNK.sub("", candidate)
        if not re.fullmatch(r"\+?\d{3,17}", compact):
            continue
        try:
            number = phonenumbers.parse(compact, region)
        except phonenumbers.NumberParseException:
            continue
        ok = phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)
        if ok:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise IdentityError("not a valid phone number")
