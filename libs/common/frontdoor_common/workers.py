"""Background workers: the one shape every service's long-running loops take.

A worker is started by the service's lifespan after the composition root is built, stopped in
reverse order at shutdown, and asked `healthy()` by `/readyz` (a worker whose loop died makes
the instance not ready). `TaskWorker` is the usual base: one asyncio task running `run()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol, runtime_checkable


@runtime_checkable
class Worker(Protocol):
    """A background worker of a service (scheduler, dispatcher, SMS sender ...)."""

    name: str

    async def start(self) -> None:
        """Start working in the background; return at once."""
        ...

    async def stop(self) -> None:
        """Stop, finishing or abandoning the work in hand; return when stopped."""
        ...

    def healthy(self) -> bool:
        """False when the worker should be working and is not (its loop died)."""
        ...


class TaskWorker:
    """A worker whose work is one asyncio task running `run()`.

    Subclasses set `name` and implement `run()`. A subclass that decides not to loop (a test
    that ticks it by hand) simply does not call `super().start()`: a worker never started is
    healthy, one started is healthy while its task lives.
    """

    name = "worker"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """The worker's loop."""
        raise NotImplementedError

    async def start(self) -> None:
        """Run `run()` as a task."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=f"worker-{self.name}")

    async def stop(self) -> None:
        """Cancel the task and wait for it."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def healthy(self) -> bool:
        """A started worker is healthy while its task lives."""
        return self._task is None or not self._task.done()

    @property
    def running(self) -> bool:
        """Whether the loop is running now."""
        return self._task is not None and not self._task.done()
