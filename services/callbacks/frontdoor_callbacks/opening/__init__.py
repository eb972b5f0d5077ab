"""Opening hours: asked of the agents service, with a short timeout and a static fallback."""

from frontdoor_callbacks.opening.hours import HttpOpeningHours, Opening, OpeningHours, StaticOpeningHours, opening_for

__all__ = ["HttpOpeningHours", "Opening", "OpeningHours", "StaticOpeningHours", "opening_for"]
