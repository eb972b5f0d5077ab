"""Events published by the members service on `frontdoor.members.v1`."""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event


class MembersEvent(Event):
    """Base of the members service's events."""

    topic = topics.MEMBERS
