"""The union's verification rules, as pure decisions (texts 002/004, "legitimere seg").

- The member themself, not recognised: national ID and member number.
  (Recognised by the number they call from: the national ID for that member.)
- Someone on the member's behalf about an invoice: the KID (its leading digits are the
  member number), a name that matches the member's, then the member's national ID.
- A third party about a case: only with the member's recorded oral power of attorney.

Each level opens some topics; personal data only opens to the member themself.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Level = Literal["none", "member", "on_behalf_invoice", "third_party_case"]
Failure = Literal[
    "member_not_found",
    "national_id_mismatch",
    "no_national_id_on_file",
    "kid_unknown",
    "name_mismatch",
    "no_power_of_attorney",
]

SCOPES: dict[str, list[str]] = {
    "none": [],
    "member": ["membership", "personal_data", "case", "invoice"],
    "on_behalf_invoice": ["invoice"],
    "third_party_case": ["case"],
}


class ContactLike(Protocol):
    """What the rules read from a contact."""

    member_id: uuid.UUID | None
    level: str
    scopes: list[str]
    locked_at: datetime | None
    closed_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True)
class Decision:
    """The outcome of one verification attempt."""

    verified: bool
    level: Level = "none"
    member_id: uuid.UUID | None = None
    failure: Failure | None = None

    @property
    def scopes(self) -> list[str]:
        """Topics the level opens."""
        return list(SCOPES[self.level])


def is_open(contact: ContactLike, now: datetime) -> bool:
    """A contact that can still carry verification: not closed, expired or locked."""
    return contact.closed_at is None and contact.locked_at is None and contact.expires_at > now


def grants_personal_data(contact: ContactLike, member_id: uuid.UUID, now: datetime) -> bool:
    """Whether the contact is verified for this member at a level that opens personal data."""
    return is_open(contact, now) and contact.member_id == member_id and "personal_data" in contact.scopes


def is_verified_as_member(contact: ContactLike, member_id: uuid.UUID, now: datetime) -> bool:
    """Whether the member themself was verified on this contact."""
    return is_open(contact, now) and contact.member_id == member_id and contact.level == "member"


def national_ids_match(stored: str | None, stored_is_placeholder: bool, given: str, given_is_placeholder: bool) -> bool:
    """Constant-time comparison; placeholders never match anything."""
    if stored is None or stored_is_placeholder or given_is_placeholder:
        return False
    return hmac.compare_digest(stored.encode(), given.encode())


def _id_check(
    member_id: uuid.UUID,
    stored: str | None,
    stored_placeholder: bool,
    given: str,
    given_placeholder: bool,
    level: Level,
) -> Decision:
    if stored is None or stored_placeholder:
        return Decision(False, member_id=member_id, failure="no_national_id_on_file")
    if not national_ids_match(stored, stored_placeholder, given, given_placeholder):
        return Decision(False, member_id=member_id, failure="national_id_mismatch")
    return Decision(True, level, member_id)


def member_themself(
    member_id: uuid.UUID | None, stored: str | None, stored_placeholder: bool, given: str, given_placeholder: bool
) -> Decision:
    """The member calls: the national ID must be theirs."""
    if member_id is None:
        return Decision(False, failure="member_not_found")
    return _id_check(member_id, stored, stored_placeholder, given, given_placeholder, "member")


def on_behalf_about_invoice(
    member_id: uuid.UUID | None,
    name_matches: bool,
    stored: str | None,
    stored_placeholder: bool,
    given: str,
    given_placeholder: bool,
) -> Decision:
    """Someone calls about the member's invoice: KID -> member, the name, then the national ID."""
    if member_id is None:
        return Decision(False, failure="kid_unknown")
    if not name_matches:
        return Decision(False, member_id=member_id, failure="name_mismatch")
    return _id_check(member_id, stored, stored_placeholder, given, given_placeholder, "on_behalf_invoice")


def third_party_about_case(member_id: uuid.UUID | None, has_power_of_attorney: bool) -> Decision:
    """A third party about the member's case: only with the member's recorded power of attorney."""
    if member_id is None:
        return Decision(False, failure="member_not_found")
    if not has_power_of_attorney:
        return Decision(False, member_id=member_id, failure="no_power_of_attorney")
    return Decision(True, "third_party_case", member_id)
