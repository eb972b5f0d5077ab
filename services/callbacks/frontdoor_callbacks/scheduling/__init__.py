"""Pure scheduling rules: when a callback falls due, its priority, risk and expiry.

No I/O, no clock: time is an argument and decisions are return values.
"""

from frontdoor_callbacks.scheduling.rules import (
    AttemptDecision,
    Interval,
    after_attempt,
    deadline_priority,
    dispatch_arrival,
    effective_end,
    expiry_reason,
    is_at_risk,
    next_due,
    repeat_weekly,
    weekly_intervals,
)

__all__ = [
    "AttemptDecision",
    "Interval",
    "after_attempt",
    "deadline_priority",
    "dispatch_arrival",
    "effective_end",
    "expiry_reason",
    "is_at_risk",
    "next_due",
    "repeat_weekly",
    "weekly_intervals",
]
