"""Opening hours: asked of the agents service, with a short timeout and a static fallback."""

from frontdoor_callbacks.opening.hours import HttpOpeningHours, OpeningHours, StaticOpeningHours

__all__ = ["HttpOpeningHours", "OpeningHours", "StaticOpeningHours"]
