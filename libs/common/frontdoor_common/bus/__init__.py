"""The event bus: typed events, transactional outbox, relay, inbox consumers."""

from frontdoor_common.bus import asking  # noqa: F401 - asking about a topic never creates it
from frontdoor_common.bus.events import Envelope, Event, event_catalogue, registered_events
from frontdoor_common.bus.outbox import Outbox

__all__ = ["Envelope", "Event", "Outbox", "event_catalogue", "registered_events"]
