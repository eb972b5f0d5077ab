"""Course feeds as pure functions: an iCalendar or CSV document in, the course entries out
(courses/feed_csv.py, courses/feed_ical.py), and the same off the event loop within a budget.

Hostile input is expected: the document is bounded in entries (and in recurrence expansion), parsed
in a worker thread that is interrupted after its budget (`parse_bounded`), and anything malformed is
a `FeedInvalid` naming the CSV line or the iCalendar event (and its uid) and the field, before
anything is written. Entries that ended more than a day before `now`, or start after the horizon,
are left out (a course system's feed keeps its past courses).
"""

from __future__ import annotations

import asyncio
import ctypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from frontdoor_members.courses.feed_csv import parse_csv
from frontdoor_members.courses.feed_entries import Bounds, FeedEntry, FeedInvalid
from frontdoor_members.courses.feed_ical import parse_ical

__all__ = ["Bounds", "FeedEntry", "FeedInvalid", "Format", "parse", "parse_bounded"]

T = TypeVar("T")
Format = Literal["ical", "csv"]


def parse(data: bytes, fmt: Format, bounds: Bounds) -> list[FeedEntry]:
    """The document's entries, in the format given (UTF-8; a byte order mark is allowed)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedInvalid(f"not UTF-8 (byte {exc.start})", code="not_utf8") from None
    if "\x00" in text:
        raise FeedInvalid("a NUL character in the document", code="not_text")
    try:
        return parse_ical(text, bounds) if fmt == "ical" else parse_csv(text, bounds)
    except (FeedInvalid, _BudgetExceeded):
        raise
    except Exception as exc:  # a value no check above foresaw (a year 1 in a far zone ...): still the document's fault
        code = "not_calendar" if fmt == "ical" else "not_csv"
        raise FeedInvalid(f"the document cannot be read ({type(exc).__name__})", code=code) from None


# -- off the event loop, within a budget --------------------------------------------------------

_LOCK = threading.Lock()


class _BudgetExceeded(BaseException):
    """Raised inside the parsing thread when its budget is spent."""


@dataclass
class _Job:
    """A parse running in a thread: which thread, whether it still runs, whether it was interrupted."""

    thread_id: int = 0
    running: bool = False
    interrupted: bool = False


def _interrupt(job: _Job) -> None:
    with _LOCK:
        if job.running and not job.interrupted:
            job.interrupted = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(job.thread_id), ctypes.py_object(_BudgetExceeded))


def _run_guarded(fn: Callable[..., T], args: tuple[Any, ...], budget_s: float, job: _Job) -> T:
    with _LOCK:
        job.thread_id, job.running = threading.get_ident(), True
    timer = threading.Timer(budget_s, _interrupt, (job,))
    timer.daemon = True
    timer.start()
    try:
        try:
            return fn(*args)
        finally:
            with _LOCK:
                job.running = False
            timer.cancel()
    except _BudgetExceeded:
        raise FeedInvalid("the feed took too long to read (recurrence too complex?)", code="too_complex") from None


async def parse_bounded(data: bytes, fmt: Format, bounds: Bounds, *, budget_s: float) -> list[FeedEntry]:
    """`parse` in a worker thread, interrupted after `budget_s` (FeedInvalid too_complex)."""
    job = _Job()
    try:
        return await asyncio.to_thread(_run_guarded, parse, (data, fmt, bounds), budget_s, job)
    except _BudgetExceeded:  # delivered a moment late, outside the guard's own handler
        raise FeedInvalid("the feed took too long to read (recurrence too complex?)", code="too_complex") from None
    except asyncio.CancelledError:
        _interrupt(job)  # nobody waits for the answer any more: free the thread
        raise
