"""Finished contacts (a completed call or callback) as the consumer hands them to the service,
and as they are stored while they wait for their caller's identification (pure)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from frontdoor_surveys.policy import rules


@dataclass(frozen=True)
class ContactFinished:
    """A finished call or callback, as the consumer read it from an event."""

    tenant_id: str
    source: Literal["call", "callback"]
    source_id: uuid.UUID
    contact: rules.Contact
    completed_at: datetime
    call_id: uuid.UUID | None = None
    callback_id: uuid.UUID | None = None
    queue_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    # the number was sealed and its key is erased (the caller was erased): no survey, recorded as such
    erased: bool = False


def with_member(finished: ContactFinished, member_id: uuid.UUID) -> ContactFinished:
    """The same contact with its member known."""
    return replace(finished, contact=replace(finished.contact, member_id=member_id))


def contact_to_json(finished: ContactFinished) -> dict[str, Any]:
    """A finished contact as stored while it waits for its member."""
    c = finished.contact
    ids = ("source_id", "call_id", "callback_id", "queue_id", "agent_id", "team_id")
    return {
        "tenant_id": finished.tenant_id,
        "source": finished.source,
        **{k: (str(getattr(finished, k)) if getattr(finished, k) is not None else None) for k in ids},
        "completed_at": finished.completed_at.isoformat(),
        "contact": {
            "source": c.source,
            "number": c.number,
            "answered": c.answered,
            "transferred": c.transferred,
            "resolution": c.resolution,
            "language": c.language,
        },
    }


def contact_from_json(data: dict[str, Any]) -> ContactFinished:
    """The stored contact again (without its member)."""

    def uid(key: str) -> uuid.UUID | None:
        return uuid.UUID(data[key]) if data.get(key) else None

    c = data["contact"]
    source_id = uid("source_id")
    assert source_id is not None
    return ContactFinished(
        tenant_id=data["tenant_id"],
        source=data["source"],
        source_id=source_id,
        call_id=uid("call_id"),
        callback_id=uid("callback_id"),
        queue_id=uid("queue_id"),
        agent_id=uid("agent_id"),
        team_id=uid("team_id"),
        completed_at=datetime.fromisoformat(data["completed_at"]),
        contact=rules.Contact(
            source=c["source"],
            number=c["number"],
            member_id=None,
            answered=c["answered"],
            transferred=c["transferred"],
            resolution=c["resolution"],
            language=c["language"],
        ),
    )
