"""Parsing and expanding calendars off the event loop, each within a time budget, with a cache.

A calendar is parsed and expanded in a worker thread; if that takes longer than the budget the
thread is interrupted (an exception raised inside it), so an abusive calendar costs at most the
budget once and never holds the event loop. Results (and failures) are cached per calendar text,
time zone and day-aligned window, so the scheduler's frequent ticks do not expand a feed again.
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from frontdoor_agents.availability.compute import Interval
from frontdoor_agents.calendars.ical import Busy, FeedError, busy_between, parse

T = TypeVar("T")

_EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="calendar-expand")
_LOCK = threading.Lock()


class BudgetExceeded(BaseException):
    """Raised inside a worker thread whose calendar job ran past its budget."""


@dataclass
class _Job:
    budget_s: float
    thread_id: int = 0
    running: bool = False
    interrupted: bool = False
    done: threading.Event = field(default_factory=threading.Event)


def _interrupt(job: _Job) -> None:
    with _LOCK:
        if job.running and not job.interrupted:
            job.interrupted = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(job.thread_id), ctypes.py_object(BudgetExceeded))


def _guarded(job: _Job, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
    try:
        with _LOCK:
            job.thread_id, job.running = threading.get_ident(), True
        timer = threading.Timer(job.budget_s, _interrupt, (job,))
        timer.daemon = True
        timer.start()
        try:
            return fn(*args)
        finally:
            with _LOCK:
                job.running = False
            timer.cancel()
    except BudgetExceeded:
        raise FeedError("expanding the calendar took too long", code="too_complex") from None


async def run_bounded(fn: Callable[..., T], *args: Any, budget_s: float) -> T:
    """Run a CPU-heavy calendar function in a worker thread, stopped after `budget_s` of running."""
    job = _Job(budget_s=budget_s)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_EXECUTOR, _guarded, job, fn, args)
    except BudgetExceeded:  # delivered a moment late, outside the job's own handler
        raise FeedError("expanding the calendar took too long", code="too_complex") from None
    except asyncio.CancelledError:
        _interrupt(job)  # nobody waits for the answer any more: free the worker
        raise


def scheduler_window(now: datetime, horizon: timedelta) -> tuple[datetime, datetime]:
    """The window the scheduler computes timelines over (two days back for catch-up, the horizon ahead)."""
    return now - timedelta(days=2), now + horizon


def _aligned(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last = end.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return day, last


_BUSY: OrderedDict[tuple[str, str, datetime, datetime, int], Busy | FeedError] = OrderedDict()
_BUSY_SIZE = 4096
# Failures that do not depend on the window (unlike too_many_occurrences): remembered per calendar text.
_WINDOW_FREE_CODES = frozenset({"not_calendar", "too_frequent", "too_complex", "too_many_events"})
_BAD: OrderedDict[str, str] = OrderedDict()


def _expand(text: str, tz: ZoneInfo, start: datetime, end: datetime, max_occurrences: int) -> Busy:
    return busy_between(parse(text), tz, start, end, max_occurrences=max_occurrences)


def _key(text: str, tz: ZoneInfo, start: datetime, end: datetime, cap: int) -> tuple[str, str, datetime, datetime, int]:
    return hashlib.sha256(text.encode()).hexdigest(), tz.key, start, end, cap


async def busy_for(
    text: str, tz: ZoneInfo, start: datetime, end: datetime, *, budget_s: float, max_occurrences: int
) -> Busy:
    """Busy time of a stored calendar in [start, end), parsed and expanded off the loop (cached);
    FeedError (with a code) when the calendar is refused or takes longer than the budget."""
    a_start, a_end = _aligned(start, end)
    key = _key(text, tz, a_start, a_end, max_occurrences)
    bad = _BAD.get(key[0])
    if bad is not None:  # refused whatever the window: do not spend the budget again
        raise FeedError(bad, code=bad)
    found = _BUSY.get(key)
    if found is None:
        try:
            found = await run_bounded(_expand, text, tz, a_start, a_end, max_occurrences, budget_s=budget_s)
        except FeedError as exc:
            found = exc
            if exc.code in _WINDOW_FREE_CODES:
                _BAD[key[0]] = exc.code
                while len(_BAD) > _BUSY_SIZE:
                    _BAD.popitem(last=False)
        _BUSY[key] = found
        while len(_BUSY) > _BUSY_SIZE:
            _BUSY.popitem(last=False)
    else:
        _BUSY.move_to_end(key)
    if isinstance(found, FeedError):
        raise FeedError(str(found), code=found.code)
    return Busy(_within(found.meetings, start, end), _within(found.all_day, start, end))


def _within(intervals: list[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [i for i in intervals if i.end > start and i.start < end]


async def check_calendar(
    text: str, tz: ZoneInfo, now: datetime, horizon: timedelta, *, budget_s: float, max_occurrences: int
) -> None:
    """Parse, bounds-check and expand over the scheduler's window (off the loop, within the budget);
    FeedError when the calendar is refused. Warms the cache the scheduler reads."""
    start, end = scheduler_window(now, horizon)
    await busy_for(text, tz, start, end, budget_s=budget_s, max_occurrences=max_occurrences)
