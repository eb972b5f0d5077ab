"""What a keyword worker's poll costs on a large dossier: `python -m frontdoor_members.keywords.bench`.

Loads `--entries` notes, all extracted, and times the worker's query for waiting entries: a walk
from the start (at start-up and hourly: every text entry is looked at) and a poll from where the
worker caught up (the index on creation time). `--postgres` repeats it on a fresh PostgreSQL database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_members.bench import on_each_engine
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.keywords import repository
from frontdoor_members.keywords.models import KeywordExtraction
from frontdoor_members.members.models import Member

TENANT = "bench"
CHUNK = 5000


async def _load(db: Database, entries: int, at: datetime) -> None:
    member = uuid.uuid4()
    async with db.transaction() as session:
        session.add(
            Member(
                id=member,
                tenant_id=TENANT,
                member_number="1",
                first_name="Bench",
                last_name="Member",
                insurances=[],
                created_at=at,
                updated_at=at,
            )
        )
    for start in range(0, entries, CHUNK):
        ids = [uuid.uuid4() for _ in range(min(CHUNK, entries - start))]
        async with db.transaction() as session:
            await session.execute(
                insert(DossierEntry),
                [
                    {
                        "id": i,
                        "tenant_id": TENANT,
                        "member_id": member,
                        "kind": "log",
                        "summary": "Oppsigelse etter nedbemanning, spør om fortrinnsrett.",
                        "noted_on": date(2026, 11, 25),
                        "author": "bench",
                        "occurred_at": at,
                        "created_at": at,
                    }
                    for i in ids
                ],
            )
            await session.execute(
                insert(KeywordExtraction),
                [
                    {"entry_id": i, "tenant_id": TENANT, "keywords": 0, "text_chars": 50, "extracted_at": at}
                    for i in ids
                ],
            )


async def _time(db: Database, since: datetime | None, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        async with db.snapshot() as session:
            found = await repository.pending(session, limit=50, max_chars=4000, since=since)
        times.append((time.perf_counter() - t) * 1000)
        assert found == []
    return times


async def bench_engine(url: str, entries: int, repeat: int) -> dict[str, Any]:
    """Load and time on one database."""
    db = Database(url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members")
        at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        await _load(db, entries, at)
        if db.dialect == "postgresql":
            async with db.engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
        walk = await _time(db, None, repeat)
        poll = await _time(db, at + timedelta(hours=1), repeat)
        return {
            "engine": db.dialect,
            "entries": entries,
            "walk_from_start_ms": {"median": round(statistics.median(walk), 1), "max": round(max(walk), 1)},
            "poll_since_caught_up_ms": {"median": round(statistics.median(poll), 1), "max": round(max(poll), 1)},
        }
    finally:
        await db.dispose()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Run on SQLite, and on PostgreSQL when asked."""
    results = await on_each_engine(
        "keywords-bench-", args.postgres, lambda url: bench_engine(url, args.entries, args.repeat)
    )
    return {"benchmark": "members.keywords.pending", "results": results}


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server (a fresh database is made)")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    for r in report["results"]:
        print(
            f"{r['engine']}: {r['entries']} extracted entries; walk from the start median"
            f" {r['walk_from_start_ms']['median']} ms (max {r['walk_from_start_ms']['max']}),"
            f" poll since caught up median {r['poll_since_caught_up_ms']['median']} ms"
            f" (max {r['poll_since_caught_up_ms']['max']})"
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
