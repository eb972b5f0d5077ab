"""Shard fencing: two routing processes that both believe they own a shard never both assign.

Each shard (the `shard` setting; "" for an unsharded deployment, which is one shard) has one
row in `routing_shard_lease`. A process starting for the shard takes the next epoch in one
atomic statement (an upsert that increments), before it loads a tenant or offers anything,
and keeps it. Every change the engine makes first runs, in its own transaction,
`UPDATE routing_shard_lease SET epoch = epoch WHERE shard = :s AND epoch = :mine`: it must
touch exactly one row. On PostgreSQL that UPDATE also holds the row's lock until the commit,
so a newer process's increment waits for an older change in flight, and every older change
after it touches no row; on SQLite the write lock serialises the two the same way. A change
that finds the lease taken rolls back whole (nothing stored, no event, no offer) and the
process is fenced: it attempts no further change, reports not ready and stops.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from frontdoor_common.db import Database
from frontdoor_common.errors import Unavailable
from frontdoor_routing.models import ShardLease

UNSHARDED = ""  # the lease row of a deployment without a `shard` setting
_table = ShardLease.__table__  # type: ignore[attr-defined]


class ShardFenced(Unavailable):
    """A newer routing process took this instance's shard: it changes nothing any more."""

    error_id = "shard_fenced"
    title = "Shard taken over"


def shard_key(shard: str | None) -> str:
    """The lease row's key for a `shard` setting (None: the unsharded deployment)."""
    return shard or UNSHARDED


def this_process() -> str:
    """The holder's name: host (the pod's name on Kubernetes) and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease:
    """This process's hold on its shard: the epoch it took, and whether it was fenced."""

    def __init__(self, db: Database, shard: str | None, holder: str | None = None) -> None:
        self.db = db
        self.shard = shard_key(shard)
        self.holder = holder or this_process()
        self.epoch: int | None = None  # taken at start
        self.newer: int | None = None  # the epoch that fenced us, once fenced

    @property
    def fenced(self) -> bool:
        """Whether a newer process took the shard."""
        return self.newer is not None

    async def take(self, at: datetime) -> int:
        """Take the shard's next epoch (1 for a new shard) in a transaction of its own."""
        values = {"shard": self.shard, "epoch": 1, "holder": self.holder, "taken_at": at}
        insert = pg_insert(_table) if self.db.dialect == "postgresql" else sqlite_insert(_table)
        # One atomic statement: two processes starting at once get different epochs.
        statement = (
            insert.values(**values)
            .on_conflict_do_update(
                index_elements=[_table.c.shard],
                set_={"epoch": _table.c.epoch + 1, "holder": self.holder, "taken_at": at},
            )
            .returning(_table.c.epoch)
        )
        async with self.db.transaction() as session:
            epoch = int((await session.execute(statement)).scalar_one())
        self.epoch, self.newer = epoch, None
        return epoch

    async def check(self, session: AsyncSession) -> None:
        """Still ours, in `session`'s transaction (and, on PostgreSQL, locked until its commit); else ShardFenced."""
        mine = self.epoch
        if mine is None:
            raise RuntimeError("the shard's lease was never taken")
        touched = await session.execute(
            update(_table).where(_table.c.shard == self.shard, _table.c.epoch == mine).values(epoch=_table.c.epoch)
        )
        if touched.rowcount == 1:  # type: ignore[attr-defined]
            return
        current = await session.scalar(select(_table.c.epoch).where(_table.c.shard == self.shard))
        # No row at all (deleted by hand) fences too: nobody can prove this process still owns the shard.
        self.newer = int(current) if current is not None else -1
        raise self.refusal()

    def refusal(self) -> ShardFenced:
        """The 503 every change gets once fenced (the request did nothing: retrying reaches the new owner)."""
        return ShardFenced(
            f"Routing shard {self.shard!r} was taken over by a newer instance; this one changes nothing. "
            "Retry: requests reach the new owner.",
            retryable=True,
        )


class LeaseWorker:
    """The lease as `/readyz` sees it: `workers.shard_lease` stops being `running` once fenced."""

    name = "shard_lease"

    def __init__(self, lease: Lease) -> None:
        self.lease = lease

    async def start(self) -> None:
        """Nothing runs: the lease is taken when the parts start, and checked by every change."""

    async def stop(self) -> None:
        """Nothing to stop."""

    def healthy(self) -> bool:
        """False once a newer process took the shard."""
        return not self.lease.fenced
