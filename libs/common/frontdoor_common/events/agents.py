"""Events published by the agents service on `frontdoor.agents.v1`."""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event


class AgentsEvent(Event):
    """Base of the agents service's events."""

    topic = topics.AGENTS
