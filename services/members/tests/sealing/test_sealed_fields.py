"""Every field of every members event is either sealed (personal data) or named here as not
personal: a field added to an event fails this test until someone decides which it is."""

from __future__ import annotations

import inspect
from typing import cast

from pydantic import BaseModel

from frontdoor_common.bus.events import Event
from frontdoor_common.events import members as ev
from frontdoor_members.notifier import SEALED_FIELDS

# ids, codes of the tenant's vocabularies, states, flags, counts, dates and times
NOT_PERSONAL = {
    *("at", "occurred_at", "received_at", "answered_at", "not_before", "escalate_at", "deadline"),
    *("requested_on", "effective_on", "confirmed_on", "outcome_date"),
    *("tenant_id", "member_id", "contact_id", "call_id", "callback_id", "entry_id", "change_id", "forward_id"),
    *("followup_id", "dossier_entry_id", "department_id", "from_department_id", "to_department_id"),
    *("course_id", "signup_id", "promoted_signup_id", "message_id", "notice_id", "agent_id"),
    *("level", "failed_attempts", "kind", "status", "position", "was", "channel", "reason", "outcome"),
    "mailbox",  # which of the union's own addresses or forms a message came in through
    "reasons",  # the tenant's list of contact reasons
    "changed",  # the names of the member's fields that changed
    *("has_email", "returned_mail", "placeholder_national_id", "is_shop_steward", "category"),
}
NESTED = {"member", "signups"}  # checked field by field below


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    names: list[str] = []
    for name, info in model.model_fields.items():
        if name in NESTED:
            args = getattr(info.annotation, "__args__", None) or (info.annotation,)  # list[X] -> X
            inner = cast(type[BaseModel], args[0])
            names.extend(_fields(inner, f"{prefix}{name}."))
        else:
            names.append(f"{prefix}{name}")
    return names


def test_every_field_of_every_members_event_is_sealed_or_not_personal() -> None:
    events = [
        c
        for _, c in inspect.getmembers(ev, inspect.isclass)
        if issubclass(c, Event) and c.__module__ == ev.__name__ and isinstance(c.__dict__.get("name"), str)
    ]
    assert len(events) >= 20
    undecided: list[str] = []
    for event in events:
        sealed = set(SEALED_FIELDS.get(event.name, ()))
        for path in _fields(event):
            leaf = path.rsplit(".", 1)[-1]
            if leaf not in sealed and leaf not in NOT_PERSONAL:
                undecided.append(f"{event.name}: {path}")
        assert sealed <= {p.rsplit(".", 1)[-1] for p in _fields(event)}, event.name
    assert undecided == []
    assert set(SEALED_FIELDS) == {"members.member.created", "members.member.updated", "members.notice.requested"}
