"""A member's identifiers as the API receives them: phone numbers and national IDs read by the
tenant's rules, or a problem naming the field (never echoing the value)."""

from __future__ import annotations

from frontdoor_common.errors import InvalidInput
from frontdoor_members.identity import IdentityError
from frontdoor_members.identity import national_id as nid
from frontdoor_members.identity.phone import normalise
from frontdoor_members.members.schemas import PhoneCreate
from frontdoor_members.tenants.service import TenantRules


def parse_phones(phones: list[PhoneCreate], region: str) -> list[tuple[str, str]]:
    """(E.164, kind) for each number, or a problem naming the bad one."""
    parsed: list[tuple[str, str]] = []
    for i, phone in enumerate(phones):
        try:
            parsed.append((normalise(phone.number, region), phone.kind))
        except IdentityError as exc:
            raise InvalidInput(
                f"phones.{i}.number: {exc}.", error_id="invalid_phone", field=f"phones.{i}.number"
            ) from None
    return parsed


def parse_national_id(raw: str, rules: TenantRules, field: str = "national_id") -> nid.NationalId:
    """The validated national ID, or a problem naming the field (never echoing the value)."""
    try:
        return nid.parse(raw, rules.country, rules.placeholders)
    except IdentityError as exc:
        raise InvalidInput(f"{field}: {exc}.", error_id="invalid_national_id", field=field) from None
