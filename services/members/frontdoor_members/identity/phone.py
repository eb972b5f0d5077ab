"""Phone numbers: E.164 via phonenumbers, local formats and switchboard suffixes."""

from __future__ import annotations

import re

import phonenumbers

from frontdoor_members.identity import IdentityError

# Calls put through by the switchboard carry the extension they came from: 90595313-111.
_TRANSFER_SUFFIX = re.compile(r"^(?P<number>.*[0-9])\s*-\s*[0-9]{1,4}$")
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
        if not re.fullmatch(r"\+?[0-9]{3,17}", compact):  # ASCII digits only
            continue
        # E.164 whose "+" was lost (an unencoded "+" in a query string arrives as a space):
        # tried last, and only when it is a valid number, so a local number is never misread
        options = [(compact, strict)] if compact.startswith("+") else [(compact, strict), ("+" + compact, True)]
        for option, must_be_valid in options:
            try:
                number = phonenumbers.parse(option, region)
            except phonenumbers.NumberParseException:
                continue
            ok = phonenumbers.is_valid_number(number) if must_be_valid else phonenumbers.is_possible_number(number)
            if ok:
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise IdentityError("not a valid phone number")
