"""Events published by the surveys service on `frontdoor.surveys.v1`."""

from __future__ import annotations

from frontdoor_common.bus import topics
from frontdoor_common.bus.events import Event


class SurveysEvent(Event):
    """Base of the surveys service's events."""

    topic = topics.SURVEYS
