"""Which presence changes are allowed, as a pure function."""

from __future__ import annotations

from collections.abc import Collection

# A person's intent wins over our mirror of routing, which lags its events by a moment: someone who
# finished a call (routing's `completed` not yet consumed) may go away or log out at once. Routing then
# treats them as away after their call; a late call event never undoes it (see routing_events._stale).
# Changing only the reason (away: break -> lunch; logged_out: vacation -> leave) is allowed.
ALLOWED: dict[str, frozenset[str]] = {
    "logged_out": frozenset({"available", "away", "logged_out"}),
    "available": frozenset({"away", "logged_out", "on_call"}),
    "on_call": frozenset({"wrap_up", "available", "away", "logged_out"}),
    "wrap_up": frozenset({"available", "away", "logged_out"}),
    "away": frozenset({"available", "away", "logged_out"}),
}
LOGGED_OUT_REASONS = frozenset({"vacation", "leave"})


class TransitionRefused(Exception):
    """A presence change the rules do not allow; `field` names what is wrong."""

    def __init__(self, message: str, field: str, error_id: str) -> None:
        super().__init__(message)
        self.field = field
        self.error_id = error_id


def check(current: str, target: str, reason: str | None, away_reasons: Collection[str]) -> None:
    """Raise TransitionRefused unless `current` -> `target` (with `reason`) is allowed."""
    if target == "away":
        if reason not in away_reasons:
            raise TransitionRefused(
                f"Away needs a reason from the tenant's list: {sorted(away_reasons)}.", "reason", "reason_not_allowed"
            )
    elif target == "logged_out":
        if reason not in LOGGED_OUT_REASONS:
            raise TransitionRefused("Logging out needs the reason vacation or leave.", "reason", "reason_not_allowed")
    elif reason is not None:
        raise TransitionRefused(f"The state {target} takes no reason.", "reason", "reason_not_allowed")
    if target not in ALLOWED.get(current, frozenset()):
        raise TransitionRefused(f"An agent cannot go from {current} to {target}.", "presence", "transition_not_allowed")
