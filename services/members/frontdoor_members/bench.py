"""Caller lookup latency with 100,000 members: `python -m frontdoor_members.bench [--postgres URL]`.

Loads the members (with encrypted national IDs and 1-2 numbers each, some family numbers
shared) into a fresh SQLite database (and a fresh PostgreSQL database when a URL is given),
then times `GET /v1/members/lookup?phone=` over real HTTP (uvicorn on a loopback port,
one request at a time, as routing calls it) and the same lookup through the service layer.
Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from frontdoor_common.auth import mint_token
from frontdoor_common.clock import SystemClock
from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.settings import DEV_DATA_KEY
from frontdoor_common.testing import create_database, serve_app
from frontdoor_members.app import create_app
from frontdoor_members.crypto import Vault
from frontdoor_members.identity.national_id import fodselsnummer_for
from frontdoor_members.members import lookup
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.settings import Settings

TENANT = "b3c4d5e6-0000-4000-8000-00000000be4c"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "p50_ms": round(_percentile(ms, 50), 3),
        "p99_ms": round(_percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "max_ms": round(max(ms), 3),
    }


async def load(db: Database, count: int, seed: int = 7) -> list[str]:
    """Insert `count` members with phones; returns every mobile number (8 digits, local format)."""
    rng = random.Random(seed)
    vault = Vault([DEV_DATA_KEY])
    nids = [
        fodselsnummer_for(f"{d:02d}{m:02d}{y:02d}")
        for d, m, y in ((1 + i % 28, 1 + i % 12, 50 + i % 40) for i in range(200))
    ]
    mobiles = [str(40000000 + i * 7) for i in range(count)]
    now = SystemClock().now()
    batch = 5000
    family_number = None
    for start in range(0, count, batch):
        members: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        for i in range(start, min(start + batch, count)):
            member_id = uuid.uuid4()
            members.append(
                {
                    "id": member_id,
                    "tenant_id": TENANT,
                    "member_number": str(3000000 + i),
                    "first_name": f"First{i}",
                    "last_name": f"Last{i % 5000}",
                    "national_id_encrypted": vault.encrypt(nids[i % len(nids)]),
                    "national_id_masked": "*********00",
                    "national_id_kind": "fodselsnummer",
                    "email": f"member{i}@example.org" if i % 10 else None,
                    "returned_mail": i % 50 == 0,
                    "status": "active",
                    "category": "ordinary",
                    "is_shop_steward": False,
                    "insurances": [],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            phones.append(
                {
                    "id": uuid.uuid4(),
                    "tenant_id": TENANT,
                    "member_id": member_id,
                    "e164": f"+47{mobiles[i]}",
                    "kind": "mobile",
                    "position": 0,
                }
            )
            if i % 20 == 0:  # households of 2-3 share a landline
                family_number = f"+4722{rng.randrange(100000, 999999)}"
            if i % 20 < 3 and family_number:
                phones.append(
                    {
                        "id": uuid.uuid4(),
                        "tenant_id": TENANT,
                        "member_id": member_id,
                        "e164": family_number,
                        "kind": "home",
                        "position": 1,
                    }
                )
        async with db.transaction() as session:
            await session.execute(insert(Member), members)
            await session.execute(insert(MemberPhone), phones)
    return mobiles


def _queries(mobiles: list[str], n: int, seed: int = 11) -> list[str]:
    """Known numbers in the formats callers arrive with, and some unknown numbers."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        number = rng.choice(mobiles) if i % 10 else str(rng.randrange(90000000, 99999999))
        style = i % 4
        out.append(
            number
            if style == 0
            else f"{number}-111"
            if style == 1
            else f"+47 {number}"
            if style == 2
            else f"0047{number}"
        )
    return out


async def bench_engine(url: str, members: int, lookups: int) -> dict[str, Any]:
    """Load, then time HTTP and service-layer lookups on one database."""
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=None,
        log_level="WARNING",
        otel_enabled=False,
        var_dir=Path(tempfile.mkdtemp(prefix="members-bench-")),
    )
    db = Database(url)
    await upgrade(db, "frontdoor_members:migrations", "members")
    started = time.perf_counter()
    mobiles = await load(db, members)
    load_s = time.perf_counter() - started
    queries = _queries(mobiles, lookups)

    service: list[float] = []
    found = 0
    for q in queries:
        t0 = time.perf_counter()
        async with db.transaction() as session:
            result = await lookup.by_phone(session, TENANT, lookup.caller_number(q, "NO"))
        service.append(time.perf_counter() - t0)
        found += bool(result.candidates)
    await db.dispose()

    http: list[float] = []
    token = mint_token(tenant_id=TENANT, scopes="members:read")
    app = create_app(settings)
    async with (
        serve_app(app) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        for q in queries[:50]:  # warm up
            await client.get("/v1/members/lookup", params={"phone": q})
        for q in queries:
            t0 = time.perf_counter()
            r = await client.get("/v1/members/lookup", params={"phone": q}, timeout=5)
            http.append(time.perf_counter() - t0)
            r.raise_for_status()
    return {
        "engine": db.dialect,
        "members": members,
        "load_seconds": round(load_s, 1),
        "lookups": lookups,
        "hit_rate": round(found / lookups, 3),
        "http": _stats(http),
        "service": _stats(service),
    }


async def on_each_engine(
    prefix: str, postgres: str | None, run: Callable[[str], Awaitable[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """`run(url)` on a fresh SQLite database, then on a fresh PostgreSQL one when `postgres` (an
    admin URL) is given; each database is dropped after its run."""
    results = []
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    url, drop = create_database("sqlite", tmp)
    try:
        results.append(await run(url))
    finally:
        drop()
    if postgres:
        import os

        os.environ["TEST_POSTGRES_URL"] = postgres
        url, drop = await asyncio.to_thread(create_database, "postgresql", tmp)
        try:
            results.append(await run(url))
        finally:
            await asyncio.to_thread(drop)
    return results


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Run on SQLite, and on PostgreSQL when asked."""
    results = await on_each_engine(
        "members-bench-", args.postgres, lambda url: bench_engine(url, args.members, args.lookups)
    )
    return {"benchmark": "members.lookup_by_phone", "results": results}


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server (a fresh database is made)")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    for r in report["results"]:
        print(
            f"{r['engine']}: {r['members']} members loaded in {r['load_seconds']} s; {r['lookups']} lookups"
            f" (hit rate {r['hit_rate']}): HTTP p50 {r['http']['p50_ms']} ms, p99 {r['http']['p99_ms']} ms;"
            f" service layer p50 {r['service']['p50_ms']} ms, p99 {r['service']['p99_ms']} ms"
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
