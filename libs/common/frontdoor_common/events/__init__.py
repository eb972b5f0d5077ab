"""Every event class of the platform, by producing service (imported for the catalogue)."""

from frontdoor_common.events import agents, callbacks, members, privacy, routing, surveys, tasks

__all__ = ["agents", "callbacks", "members", "privacy", "routing", "surveys", "tasks"]
