"""National identity numbers by tenant country, validated with python-stdnum."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from stdnum.dk import cpr
from stdnum.exceptions import ValidationError
from stdnum.nl import bsn
from stdnum.no import fodselsnummer

from frontdoor_members.identity import IdentityError

Country = Literal["NO", "DK", "NL"]
# the countries whose rules are known, by code (a stored or configured code becomes a Country here)
COUNTRIES: dict[str, Country] = {"NO": "NO", "DK": "DK", "NL": "NL"}
Kind = Literal["fodselsnummer", "d_number", "cpr", "bsn", "placeholder"]

# Registries keep stand-in numbers ("juksenummer", e.g. 00100) for members whose real
# number is unknown. Each tenant lists its own; they are accepted, flagged, and never match
# in verification. Any other short number is refused.
DEFAULT_PLACEHOLDERS = ("00100",)
_ASCII_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class NationalId:
    """A validated national ID in compact form."""

    value: str
    kind: Kind

    @property
    def placeholder(self) -> bool:
        """Whether this is a stand-in number that should be replaced."""
        return self.kind == "placeholder"

    @property
    def masked(self) -> str:
        """Safe to show to anyone: only the last two digits."""
        keep = 2 if len(self.value) > 4 else 0
        return "*" * (len(self.value) - keep) + self.value[len(self.value) - keep :]

    def __repr__(self) -> str:
        return f"NationalId(kind={self.kind!r}, value={self.masked!r})"

    __str__ = __repr__


def _compact(raw: str) -> str:
    return re.sub(r"[\s.\-/]", "", raw.strip())


def parse(raw: str, country: Country, placeholders: Collection[str] = DEFAULT_PLACEHOLDERS) -> NationalId:
    """Validate `raw` by the country's rules; the tenant's placeholders are accepted and flagged."""
    value = _compact(raw)
    if not value:
        raise IdentityError("the national ID is empty")
    if not _ASCII_DIGITS.fullmatch(value):
        raise IdentityError("a national ID has the digits 0-9 only")
    if value in placeholders:
        return NationalId(value, "placeholder")
    try:
        if country == "NO":
            value = fodselsnummer.validate(value)
            return NationalId(value, "d_number" if int(value[0]) >= 4 else "fodselsnummer")
        if country == "DK":
            return NationalId(cpr.validate(value), "cpr")
        if country == "NL":
            return NationalId(bsn.validate(value), "bsn")
    except ValidationError:
        names = {"NO": "Norwegian fødselsnummer or D-number", "DK": "Danish CPR number", "NL": "Dutch BSN"}
        raise IdentityError(f"not a valid {names[country]}") from None
    raise IdentityError(f"no national ID rules for country {country}")


def mask(value: str) -> str:
    """The masked form of a compact national ID."""
    return NationalId(value, "placeholder").masked


def fodselsnummer_for(birth: str, individual: int = 100) -> str:
    """A valid made-up Norwegian number for a birth date (DDMMYY; day + 40 for a D-number): demo and test data."""
    for n in range(individual, individual + 200):
        base = f"{birth}{n % 500:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        if len(k1) != 1:
            continue
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if len(k2) == 1 and fodselsnummer.is_valid(base + k1 + k2):
            return base + k1 + k2
    raise ValueError("no valid number found")
