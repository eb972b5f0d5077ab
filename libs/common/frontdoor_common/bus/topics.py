"""Topic names: one per producing service, versioned; dead letters beside them."""

ROUTING = "frontdoor.routing.v1"
MEMBERS = "frontdoor.members.v1"
AGENTS = "frontdoor.agents.v1"
CALLBACKS = "frontdoor.callbacks.v1"
SURVEYS = "frontdoor.surveys.v1"

ALL = (ROUTING, MEMBERS, AGENTS, CALLBACKS, SURVEYS)


def dead_letter(topic: str) -> str:
    """The dead-letter topic for events from `topic` that kept failing a consumer."""
    return f"{topic}.dlq"
