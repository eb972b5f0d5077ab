"""`python -m frontdoor_members.audit.bench [--postgres URL] [--n N] [--writers W]`: what chaining
costs an audited read.

On a fresh SQLite database (and a fresh PostgreSQL one with --postgres, an admin URL), times N
audit writes, each in its own transaction as a request's would be: the chained `record_read`
(head row lock, hash, entry, head update) against the plain entry insert it replaced; then W
writers at once in one tenant (they queue on the tenant's head) and the verification of the
whole chain. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.testing import create_database
from frontdoor_members.audit import service
from frontdoor_members.audit.chain import GENESIS
from frontdoor_members.audit.models import PersonalDataRead

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 3),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 3),
    }


async def _timed(n: int, write: Callable[[int], Awaitable[None]]) -> list[float]:
    samples = []
    for i in range(n):
        t0 = time.perf_counter()
        await write(i)
        samples.append(time.perf_counter() - t0)
    return samples


async def bench_engine(url: str, n: int, writers: int) -> dict[str, Any]:
    """The figures on one database."""
    db = Database(url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members")
        member = uuid.uuid4()

        async def plain(i: int) -> None:  # the entry as record_read wrote it before the chain
            async with db.transaction() as s, s.begin_nested():
                s.add(
                    PersonalDataRead(
                        tenant_id="plain",
                        member_id=member,
                        subject="agent",
                        purpose="dues_question",
                        fields=["national_id", "address"],
                        contact_id=None,
                        request_id=f"r{i}",
                        at=AT,
                        seq=i + 1,
                        prev_hash=GENESIS,
                        hash=GENESIS,
                    )
                )
                await s.flush()

        async def chained(i: int, tenant: str = "chained") -> None:
            async with db.transaction() as s:
                await service.record_read(
                    s,
                    tenant_id=tenant,
                    member_id=member,
                    subject="agent",
                    purpose="dues_question",
                    fields=["national_id", "address"],
                    contact_id=None,
                    request_id=f"r{i}",
                    at=AT,
                )

        await _timed(20, lambda i: chained(i, "warm-up"))
        before = await _timed(n, plain)
        after = await _timed(n, chained)
        t0 = time.perf_counter()
        await asyncio.gather(*(chained(i, "contended") for i in range(writers)))
        contended_s = time.perf_counter() - t0
        async with db.snapshot() as s:
            assert (await service.verify(s, "contended")).entries == writers
        t0 = time.perf_counter()
        async with db.snapshot() as s:
            verified = await service.verify(s, "chained")
        verify_s = time.perf_counter() - t0
        assert verified.ok and verified.entries == n
        return {
            "plain_insert": _ms(before),
            "chained_record_read": _ms(after),
            "chaining_cost_ms": round((statistics.fmean(after) - statistics.fmean(before)) * 1000, 3),
            "writers_at_once_total_s": round(contended_s, 3),
            "verify_entries_per_s": round(n / verify_s),
        }
    finally:
        await db.dispose()


async def main_async(n: int, writers: int, postgres: str | None) -> dict[str, Any]:
    """SQLite, then PostgreSQL when an admin URL is given; each database dropped after its run."""
    out: dict[str, Any] = {"n": n, "writers": writers}
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        url, drop = create_database("sqlite", Path(tmp))
        try:
            out["sqlite"] = await bench_engine(url, n, writers)
        finally:
            drop()
        if postgres:
            os.environ["TEST_POSTGRES_URL"] = postgres
            url, drop = await asyncio.to_thread(create_database, "postgresql", Path(tmp))
            try:
                out["postgresql"] = await bench_engine(url, n, writers)
            finally:
                await asyncio.to_thread(drop)
    return out


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=500, help="audit writes per series")
    parser.add_argument("--writers", type=int, default=20, help="audit writers at once in one tenant")
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server (a fresh database is made)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args.n, args.writers, args.postgres))))


if __name__ == "__main__":
    main()
