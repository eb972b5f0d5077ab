"""Dependencies and helpers shared by the endpoints and services of every domain package."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_agents.clock import Clock, SystemClock
from frontdoor_common.auth import Principal, require
from frontdoor_common.service import Runtime

if TYPE_CHECKING:
    from frontdoor_agents.availability.scheduler import Scheduler

Reader = Annotated[Principal, require("agents:read")]
Writer = Annotated[Principal, require("agents:write")]

_SYSTEM_CLOCK = SystemClock()


def clock_of(runtime: Runtime) -> Clock:
    """The runtime's clock (tests install a manual one)."""
    clock: Clock = runtime.state.get("clock", _SYSTEM_CLOCK)
    return clock


def wake_scheduler_after_commit(session: AsyncSession, runtime: Runtime) -> None:
    """Have the availability scheduler recompute once this transaction has committed."""
    scheduler: Scheduler | None = runtime.state.get("scheduler")
    if scheduler is None or session.info.get("frontdoor_scheduler_hooked"):
        return
    session.info["frontdoor_scheduler_hooked"] = True

    def _after_commit(_s: Any) -> None:
        session.info.pop("frontdoor_scheduler_hooked", None)
        scheduler.wake()

    sa_event.listen(session.sync_session, "after_commit", _after_commit, once=True)
