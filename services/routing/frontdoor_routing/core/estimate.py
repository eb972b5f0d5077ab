"""The one estimate of a caller's wait, used for a waiting call and for a caller arriving now.

With every agent of the queue busy, agents free up at `staffed / aht` per second (each
finishes a call after `aht` on average), and a caller at position k (1 = next) is offered a
call at the k-th free-up that is not taken by someone ahead: the expected wait is
k * aht / staffed (the M/M/n wait conditioned on the position). Free agents take the first
callers at once. Rounded to 5 s steps, so it never promises precision it lacks; it grows
with the position, so a caller never hears a shorter wait than someone ahead of them.
"""

from __future__ import annotations

STEP_SECONDS = 5


def estimated_wait(position: int, staffed: int, idle: int, aht_seconds: float) -> int | None:
    """Expected seconds until a caller at `position` is offered to an agent; None with nobody staffed."""
    if staffed <= 0:
        return None
    still_ahead = position - max(0, idle)  # callers (this one included) who need an agent to free up
    if still_ahead <= 0:
        return 0
    seconds = still_ahead * max(0.0, aht_seconds) / staffed
    return int(STEP_SECONDS * round(seconds / STEP_SECONDS))
