"""Events published by the callbacks service on `frontdoor.callbacks.v1`."""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event


class CallbacksEvent(Event):
    """Base of the callbacks service's events."""

    topic = topics.CALLBACKS
