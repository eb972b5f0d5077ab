"""What the callbacks service's parts share at run time: settings, clock, opening hours, outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from frontdoor_callbacks.clock import Clock, SystemClock
from frontdoor_callbacks.opening.hours import HttpOpeningHours, OpeningHours, StaticOpeningHours
from frontdoor_callbacks.settings import Settings
from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.db import Database
from frontdoor_common.service import Runtime

if TYPE_CHECKING:
    from frontdoor_callbacks.dispatcher.service import Dispatcher

STATE_KEY = "callbacks"


@dataclass
class Overrides:
    """What a test (or an embedding) swaps: the clock and the opening-hours source."""

    clock: Clock = field(default_factory=SystemClock)
    opening_hours: Callable[[Settings], OpeningHours] | None = None


@dataclass
class CallbacksContext:
    """The service's shared parts, built once per runtime."""

    settings: Settings
    clock: Clock
    opening: OpeningHours
    outbox: Outbox
    db: Database
    dispatcher: Dispatcher | None = None


def _settings_of(runtime: Runtime) -> Settings:
    s = runtime.settings
    return s if isinstance(s, Settings) else Settings(**s.model_dump())


def ensure_context(runtime: Runtime, overrides: Overrides) -> CallbacksContext:
    """The runtime's context, created on first use (consumers, seed and startup all ask)."""
    ctx: CallbacksContext | None = runtime.state.get(STATE_KEY)
    if ctx is None:
        settings = _settings_of(runtime)
        if overrides.opening_hours is not None:
            opening = overrides.opening_hours(settings)
        elif settings.agents_url:
            opening = HttpOpeningHours(settings)
        else:
            opening = StaticOpeningHours(settings)
        ctx = CallbacksContext(
            settings=settings, clock=overrides.clock, opening=opening, outbox=runtime.outbox, db=runtime.db
        )
        runtime.state[STATE_KEY] = ctx
    return ctx


def get_context(request: Request) -> CallbacksContext:
    """FastAPI dependency: the callbacks context."""
    ctx: CallbacksContext = request.app.state.runtime.state[STATE_KEY]
    return ctx


ContextDep = Annotated[CallbacksContext, Depends(get_context)]


def close_opening(ctx: CallbacksContext) -> Any:
    """Close the opening-hours client, if it holds one."""
    close = getattr(ctx.opening, "close", None)
    return close() if close is not None else None
