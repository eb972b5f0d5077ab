"""KID numbers (Norwegian payment references): MOD10 or MOD11 check digit.

python-stdnum has no `no.kid` module in the pinned version, so the two check digit
schemes are implemented here (Luhn from stdnum, MOD11 by hand).
"""

from __future__ import annotations

import re

from stdnum import luhn

from frontdoor_members.identity import IdentityError

_KID = re.compile(r"[0-9]{1,24}[0-9-]")


def _mod11_digit(body: str) -> str | None:
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(int(d) * weights[i % 6] for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    if check == 11:
        return "0"
    if check == 10:
        return "-"
    return str(check)


def is_valid(kid: str) -> bool:
    """Whether `kid` has a valid MOD10 or MOD11 check digit."""
    if not _KID.fullmatch(kid):  # ASCII digits only (str.isdigit would take any script's digits)
        return False
    digits = kid[-1] != "-"
    return (digits and luhn.is_valid(kid)) or _mod11_digit(kid[:-1]) == kid[-1]


def validate(kid: str) -> str:
    """The compact KID, or IdentityError."""
    compact = kid.replace(" ", "").strip()
    if not is_valid(compact):
        raise IdentityError("not a valid KID number (check digit)")
    return compact


def make(member_number: str, serial: int) -> str:
    """A MOD10 KID: member number, a 4-digit invoice serial, the check digit."""
    body = f"{member_number}{serial % 10000:04d}"
    return body + luhn.calc_check_digit(body)


def member_number_prefixes(kid: str, *, shortest: int = 3) -> list[str]:
    """Every prefix of the KID that could be a member number, longest first."""
    body = kid[:-1]
    return [body[:n] for n in range(len(body), shortest - 1, -1)]
