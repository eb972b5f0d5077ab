"""Caller lookup latency with 100,000 members: `make bench-members`.

`python -m frontdoor_members.bench [--postgres URL] [--members N] [--lookups N]`

Loads the members (with encrypted national IDs and 1-2 numbers each, some family numbers
shared) into a fresh SQLite database (and a fresh PostgreSQL database when a URL is given),
then, on each database:

- in process: the phone index's answer (`lookup.from_index`, members/phone_index.py), the
  database path as it is now (a read transaction) and, as the baseline, as it was before
  issue 18 (a write transaction: BEGIN IMMEDIATE on SQLite, the tenant's rules, the join);
  the index's build time and its memory per member (tracemalloc);
- over HTTP, `GET /v1/members/lookup?phone=` one request at a time (as routing calls it)
  against the service as it runs (`python -m frontdoor_members serve`: uvicorn with uvloop and
  httptools on a loopback port, its own process): with the index, with it switched off
  (MEMBERS_LOOKUP_INDEX=false: the database path), and the floor, a bare FastAPI endpoint on
  the same server answering a CandidateList of the same shape (no token, no database), with
  each one's ratio to the floor.

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import free_port
from frontdoor_common.cli import serve_as_a_service
from frontdoor_common.clock import SystemClock
from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.settings import DEV_DATA_KEY
from frontdoor_common.testing import create_database
from frontdoor_members.crypto import Vault
from frontdoor_members.identity.national_id import fodselsnummer_for
from frontdoor_members.members import lookup
from frontdoor_members.members.models import Member, MemberPhone
from frontdoor_members.members.phone_index import PhoneIndex
from frontdoor_members.members.schemas import CandidateList, CandidateView
from frontdoor_members.tenants import service as tenants

TENANT = "b3c4d5e6-0000-4000-8000-00000000be4c"


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _stats(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "p50_ms": round(_percentile(ms, 50), 3),
        "p99_ms": round(_percentile(ms, 99), 3),
        "p999_ms": round(_percentile(ms, 99.9), 3),
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


async def _time(queries: list[str], ask: Callable[[str], Awaitable[Any]]) -> list[float]:
    samples = []
    for q in queries:
        t0 = time.perf_counter()
        await ask(q)
        samples.append(time.perf_counter() - t0)
    return samples


async def in_process(db: Database, members: int, queries: list[str]) -> dict[str, Any]:
    """The index's build, memory and answers against the database path, now and before issue 18."""

    async def before(q: str) -> Any:  # the endpoint before issue 18: a write transaction
        async with db.transaction() as session:
            rules = await tenants.rules(session, TENANT, "NO")
            return await lookup.by_phone(session, TENANT, lookup.caller_number(q, rules.phone_region))

    async def now(q: str) -> Any:
        return await lookup.from_database(db, TENANT, q, "NO")

    # no writes here and no poll loop: it vouches for what it built for the whole run
    index = PhoneIndex(db, SystemClock(), default_country="NO", max_lag_s=3600)
    gc.collect()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    await index.build()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    index.ready = False
    started = time.perf_counter()
    await index.build()
    build_s = time.perf_counter() - started

    def from_index(q: str) -> Any:
        found = lookup.from_index(index, TENANT, q)
        assert found is not None
        return found

    for q in queries[:500]:  # the same answers, or the figures mean nothing
        if from_index(q) != await now(q):
            raise AssertionError("the phone index and the database disagree")
    indexed: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        from_index(q)
        indexed.append(time.perf_counter() - t0)
    return {
        "index": _stats(indexed),
        "database": _stats(await _time(queries, now)),
        "database_before": _stats(await _time(queries, before)),
        "index_build_seconds": round(build_s, 2),
        "index_bytes_per_member": round(held / members),
        "index_size": index.size(),
    }


def floor_app() -> Any:
    """The floor: a bare FastAPI endpoint answering a one-candidate CandidateList (no token, no database)."""
    from fastapi import FastAPI

    app = FastAPI()
    answer = CandidateList(
        number="+4740000007",
        candidates=[
            CandidateView(
                member_id=uuid.uuid4(),
                member_number="3000001",
                first_name="First1",
                last_name="Last1",
                department_id=None,
                status="active",
                matched_number="+4740000007",
                phone_kind="mobile",
            )
        ],
    )

    @app.get("/v1/members/lookup", response_model=CandidateList)
    async def lookup_member(phone: str) -> CandidateList:
        return answer

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve_floor(port: int) -> None:
    """Serve the floor as `python -m frontdoor_members serve` serves the service (uvloop, httptools)."""
    serve_as_a_service(floor_app(), port)


def _text(log: Path) -> str:
    return log.read_text(errors="replace")


@contextlib.asynccontextmanager
async def _process(
    command: list[str], env: dict[str, str], log: Path, port: int, marker: str | None
) -> AsyncIterator[str]:
    """A server process on `port`; yields its base URL once /healthz answers (and `marker` is in its log)."""
    base = f"http://127.0.0.1:{port}"
    plain = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, *command], env={**plain, **env}, stdout=subprocess.DEVNULL, stderr=out)
    try:
        deadline = time.monotonic() + 300
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited: {_text(log)[-2000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError("server not ready in 300 s")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/healthz")).status_code == 200 and (marker is None or marker in _text(log)):
                        break
                await asyncio.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _http(base: str, queries: list[str], token: str | None) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:

        async def ask(q: str) -> None:
            r = await client.get("/v1/members/lookup", params={"phone": q})
            r.raise_for_status()

        for q in queries[:200]:  # warm up
            await ask(q)
        return await _time(queries, ask)


async def over_http(url: str, queries: list[str], tmp: Path) -> dict[str, Any]:
    """The service with the index, without it, and the floor, each in its own process."""
    token = mint_token(tenant_id=TENANT, scopes="members:read")
    out: dict[str, Any] = {}
    built: dict[str, Any] = {}
    for name, indexed in (("index", True), ("database", False)):
        port = free_port()
        env = {
            "MEMBERS_DATABASE_URL": url,
            "MEMBERS_PORT": str(port),
            "MEMBERS_LOG_LEVEL": "INFO",
            "MEMBERS_OTEL_ENABLED": "false",
            "MEMBERS_SEED_DEMO": "false",
            "MEMBERS_LOOKUP_INDEX": "true" if indexed else "false",
            "FRONTDOOR_ENV": "test",
            "FRONTDOOR_VAR_DIR": str(tmp / name),
        }
        log = tmp / f"{name}.log"
        marker = "phone index built" if indexed else None
        async with _process(["-m", "frontdoor_members", "serve"], env, log, port, marker) as base:
            out[name] = _stats(await _http(base, queries, token))
        if indexed:
            for line in _text(log).splitlines():
                if marker and marker in line:
                    built = json.loads(line)
    port = free_port()
    floor_cmd = ["-m", "frontdoor_members.bench", "--serve-floor", str(port)]
    async with _process(floor_cmd, {}, tmp / "floor.log", port, None) as base:
        out["floor"] = _stats(await _http(base, queries, None))
    for name in ("index", "database"):
        out[name]["p50_x_floor"] = round(out[name]["p50_ms"] / out["floor"]["p50_ms"], 2)
        out[name]["p99_x_floor"] = round(out[name]["p99_ms"] / out["floor"]["p99_ms"], 2)
    out["server_index_build_seconds"] = built.get("seconds")
    return out


async def bench_engine(url: str, members: int, lookups: int) -> dict[str, Any]:
    """Load, then time the lookup in process and over HTTP on one database."""
    tmp = Path(tempfile.mkdtemp(prefix="members-bench-"))
    db = Database(url)
    await upgrade(db, "frontdoor_members:migrations", "members")
    started = time.perf_counter()
    mobiles = await load(db, members)
    load_s = time.perf_counter() - started
    queries = _queries(mobiles, lookups)
    try:
        found = 0
        for q in queries:
            found += bool((await lookup.from_database(db, TENANT, q, "NO")).candidates)
        process = await in_process(db, members, queries)
    finally:
        await db.dispose()
    return {
        "engine": db.dialect,
        "members": members,
        "load_seconds": round(load_s, 1),
        "lookups": lookups,
        "hit_rate": round(found / lookups, 3),
        "in_process": process,
        "http": await over_http(url, queries, tmp),
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


def _line(name: str, f: dict[str, Any]) -> str:
    ratio = f" ({f['p50_x_floor']}x / {f['p99_x_floor']}x the floor)" if "p50_x_floor" in f else ""
    return f"{name} p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, p99.9 {f['p999_ms']} ms{ratio}"


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--postgres", default=None, help="admin URL of a PostgreSQL server (a fresh database is made)")
    parser.add_argument("--serve-floor", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    report = asyncio.run(main_async(args))
    for r in report["results"]:
        p, h = r["in_process"], r["http"]
        print(
            f"{r['engine']}: {r['members']} members loaded in {r['load_seconds']} s; {r['lookups']} lookups"
            f" (hit rate {r['hit_rate']})\n"
            f"  in process: {_line('index', p['index'])}; {_line('database', p['database'])};"
            f" {_line('database before issue 18', p['database_before'])}\n"
            f"  index: built in {p['index_build_seconds']} s ({h['server_index_build_seconds']} s in the server),"
            f" {p['index_bytes_per_member']} bytes per member, {p['index_size']}\n"
            f"  over HTTP: {_line('with the index', h['index'])}\n"
            f"             {_line('database path', h['database'])}\n"
            f"             {_line('floor (bare endpoint, same server)', h['floor'])}",
            flush=True,
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
