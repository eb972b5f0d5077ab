"""Per-tenant boards (the queues, the staff's phone status) that browsers watch.

A channel exists while someone watches it. It loads its board from the services when poked
(an event from the bus says something changed), at least every `board_refresh_s` anyway (a
longest wait grows without events; a missed event heals), never more often than every
`board_debounce_s`, and hands each watcher the new snapshot when it differs from the last.
Watchers render it themselves, in their own language. The load uses a watcher's own token,
so a board only ever shows what one of its viewers may see.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from frontdoor_common.logging import get_logger
from frontdoor_console.auth.tokens import NoServiceToken
from frontdoor_console.clients.http import ServiceDown, ServiceRefused
from frontdoor_console.settings import Settings

log = get_logger(__name__)

Loader = Callable[[str], Awaitable[Any]]  # a token -> the board's data
TokenSource = Callable[[], str]


@dataclass(frozen=True)
class Snapshot:
    """A board's data, or which service could not be asked (the last data is kept then)."""

    data: Any
    down: str | None = None


class Channel:
    """One tenant's board of one kind, and its watchers."""

    def __init__(self, name: str, loader: Loader, settings: Settings) -> None:
        self.name = name
        self.loader = loader
        self.settings = settings
        self.watchers: dict[asyncio.Queue[Snapshot], TokenSource] = {}
        self.latest: Snapshot | None = None
        self.loads = 0
        self._poked = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def watch(self, token: TokenSource) -> asyncio.Queue[Snapshot]:
        """A queue that always holds the newest snapshot not yet taken."""
        queue: asyncio.Queue[Snapshot] = asyncio.Queue(maxsize=1)
        self.watchers[queue] = token
        if self.latest is not None:
            queue.put_nowait(self.latest)
        self.poke()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"board-{self.name}")
        return queue

    def unwatch(self, queue: asyncio.Queue[Snapshot]) -> None:
        """Stop delivering to `queue`; the channel stops loading when nobody watches."""
        self.watchers.pop(queue, None)
        if not self.watchers and self._task is not None:
            self._task.cancel()
            self._task = None

    def poke(self) -> None:
        """Something changed: load soon."""
        self._poked.set()

    async def stop(self) -> None:
        """Stop loading."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _run(self) -> None:
        while self.watchers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), self.settings.board_refresh_s)
            if self.settings.board_debounce_s:
                await asyncio.sleep(self.settings.board_debounce_s)  # a burst of events, one load
            self._poked.clear()
            if not self.watchers:
                return
            token = list(self.watchers.values())[-1]
            snapshot = await self._load(token)
            if snapshot != self.latest:
                self.latest = snapshot
                for queue in list(self.watchers):
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()  # drop what the watcher has not taken yet
                    queue.put_nowait(snapshot)

    async def _load(self, token: TokenSource) -> Snapshot:
        self.loads += 1
        last = self.latest.data if self.latest is not None else None
        try:
            return Snapshot(await self.loader(token()))
        except ServiceDown as exc:
            return Snapshot(last, down=exc.service)
        except (ServiceRefused, NoServiceToken) as exc:
            log.warning("a board could not be loaded", board=self.name, error=str(exc))
            return Snapshot(last, down=getattr(exc, "service", "console"))
        except Exception:
            log.exception("a board failed to load", board=self.name)
            return Snapshot(last, down="console")


class Hub:
    """Every watched board, by tenant and kind ("queues", "presence")."""

    def __init__(self, settings: Settings, loaders: dict[str, Loader]) -> None:
        self.settings = settings
        self.loaders = loaders
        self.channels: dict[tuple[str, str], Channel] = {}

    def channel(self, tenant_id: str, kind: str) -> Channel:
        """The tenant's board of `kind` (made on first use)."""
        key = (tenant_id, kind)
        if key not in self.channels:
            self.channels[key] = Channel(f"{kind}:{tenant_id}", self.loaders[kind], self.settings)
        return self.channels[key]

    def poke(self, tenant_id: str, *kinds: str) -> None:
        """The tenant's boards of these kinds may have changed."""
        for kind in kinds:
            channel = self.channels.get((tenant_id, kind))
            if channel is not None:
                channel.poke()

    async def close(self) -> None:
        """Stop every board."""
        for channel in self.channels.values():
            await channel.stop()
