"""Planning work off the event loop, within a time budget.

Formulas run in a worker thread (bounded inputs keep them to a second or two); a
simulation runs in a child process that is killed when it overruns its budget. Both are
limited in number at once, so planners cannot crowd out the CTI and agent desks that share
the routing process.

The child processes come from a fork server (started at the first simulation, with the
simulator already imported): a fresh interpreter per request ("spawn") spent a second on an
idle machine and four on a busy one importing before it simulated anything, for a
simulation that takes a tenth of that. The server is a clean process of its own, never a
fork of the service (its event loop, sockets and threads stay out of the children).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from frontdoor_common.errors import InvalidInput, Unavailable

T = TypeVar("T")

MAX_AT_ONCE = 2
_slots = threading.BoundedSemaphore(MAX_AT_ONCE)
# What the fork server imports once, so that each child starts with the simulator loaded.
PRELOAD = ["frontdoor_routing.planning.schemas"]
START_METHOD = "forkserver"


def _context(method: str | None = None) -> Any:
    """The multiprocessing context children are started with (the fork server, preloaded)."""
    ctx = multiprocessing.get_context(method or START_METHOD)
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)  # takes effect when the server starts (once)
    return ctx


def _too_long(budget_s: float) -> InvalidInput:
    return InvalidInput(
        f"The request needs more than the {budget_s:g} s a planning request may take; make it smaller.",
        error_id="planning_budget_exceeded",
    )


def _busy() -> Unavailable:
    return Unavailable(f"The planner already runs {MAX_AT_ONCE} requests; try again shortly.", error_id="planner_busy")


async def in_thread(fn: Callable[..., T], *args: Any, budget_s: float) -> T:
    """`fn(*args)` in a worker thread; 422 past the budget, 503 when the planner is busy.

    A thread cannot be stopped: past the budget the caller gets its answer and the work
    finishes on its own (its slot is held until then).
    """
    if not _slots.acquire(blocking=False):
        raise _busy()

    def run() -> T:
        try:
            return fn(*args)
        finally:
            _slots.release()

    try:
        return await asyncio.wait_for(asyncio.to_thread(run), budget_s)
    except TimeoutError:
        raise _too_long(budget_s) from None


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        conn.send((True, fn(*args)))
    except BaseException as exc:  # the parent reports it
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


async def in_process(fn: Callable[..., T], *args: Any, budget_s: float, start_method: str | None = None) -> T:
    """`fn(*args)` in a child process (fn and args picklable), killed past the budget (422).
    `start_method`: another multiprocessing start method than the fork server (the benchmark
    compares with "spawn")."""
    if not _slots.acquire(blocking=False):
        raise _busy()
    try:
        ctx = _context(start_method)
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(sender, fn, args), daemon=True, name="routing-planner")
        await asyncio.to_thread(proc.start)
        sender.close()
        try:
            if not await asyncio.to_thread(receiver.poll, budget_s):
                raise _too_long(budget_s)
            ok, value = await asyncio.to_thread(receiver.recv)
        except EOFError:
            raise RuntimeError("the planning process died") from None
        finally:
            if proc.is_alive():
                proc.kill()
            await asyncio.to_thread(proc.join, 10)
            receiver.close()
        if not ok:
            raise RuntimeError(f"planning failed: {value}")
        result: T = value
        return result
    finally:
        _slots.release()
