"""Events published by the routing service on `frontdoor.routing.v1`."""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event


class RoutingEvent(Event):
    """Base of the routing service's events."""

    topic = topics.ROUTING
