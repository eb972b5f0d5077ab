"""`make bench-privacy` (`python -m frontdoor_devtools.bench.privacy`): what sealing personal fields
costs a producing transaction (issue 17), on this machine.

On a real database (a SQLite file; PostgreSQL too with --postgres-url), each figure beside the
baseline measured in the same run:

1. per value: `Sealer.seal` of a phone number with the subject's key cached (the common case: the
   same caller's events) against a bare Fernet encryption of the same value (the floor);
2. per value, a subject never seen: the seal creates and stores the subject's key in the caller's
   transaction (one INSERT) — against the cached seal;
3. per event, committed: a transaction that stages one outbox event whose field is sealed, against
   the same transaction with the field in clear (what every producing request pays).

Prints a line per figure and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from frontdoor_common.bus.outbox import Outbox
from frontdoor_common.bus.tables import BUS_METADATA
from frontdoor_common.db import Database
from frontdoor_common.privacy.seal import Sealer, phone_subject
from frontdoor_common.privacy.tables import PRIVACY_METADATA
from frontdoor_common.settings import DEV_DATA_KEY
from frontdoor_common.testing.ledger import LEDGER, Deposit

TENANT = "00000000-0000-4000-8000-0000000000be"


def _q(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(values_s: list[float]) -> dict[str, float]:
    us = [v * 1e6 for v in values_s]
    return {"p50_us": round(statistics.median(us), 2), "p99_us": round(_q(us, 0.99), 2), "n": len(us)}


async def _prepare(url: str) -> Database:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(BUS_METADATA.create_all)
        await conn.run_sync(PRIVACY_METADATA.create_all)
        await conn.run_sync(LEDGER.create_all)
    return db


async def _engine(url: str, n: int) -> dict[str, Any]:
    db = await _prepare(url)
    sealer = Sealer("bench", [DEV_DATA_KEY], DEV_DATA_KEY)
    outbox = Outbox("bench")
    number = "+4791234567"
    fernet = Fernet(Fernet.generate_key())
    result: dict[str, Any] = {}
    try:
        # 1. cached seal against bare Fernet
        async with db.transaction() as s:
            await sealer.seal(s, TENANT, phone_subject(number), number)  # the key exists and is cached from here on
        bare: list[float] = []
        cached: list[float] = []
        async with db.transaction() as s:
            for _ in range(n):
                t0 = time.perf_counter()
                fernet.encrypt(number.encode())
                t1 = time.perf_counter()
                await sealer.seal(s, TENANT, phone_subject(number), number)
                t2 = time.perf_counter()
                bare.append(t1 - t0)
                cached.append(t2 - t1)
        result["fernet_floor"] = _summary(bare)
        result["seal_cached"] = _summary(cached)
        # 2. a new subject each time: the key is created in the transaction
        fresh: list[float] = []
        async with db.transaction() as s:
            for i in range(min(n, 2_000)):
                subject = phone_subject(f"+47{40000000 + i}")
                t0 = time.perf_counter()
                await sealer.seal(s, TENANT, subject, "x")
                fresh.append(time.perf_counter() - t0)
        result["seal_new_subject"] = _summary(fresh)
        # 3. committed transactions, one event each: sealed field against clear
        clear_tx: list[float] = []
        sealed_tx: list[float] = []
        for i in range(min(n, 1_000)):
            for sealed in (False, True):
                t0 = time.perf_counter()
                async with db.transaction() as s:
                    account = await sealer.seal(s, TENANT, phone_subject(number), number) if sealed else number
                    await outbox.add(s, Deposit(account=account or "", amount=i + 1), tenant=TENANT)
                (sealed_tx if sealed else clear_tx).append(time.perf_counter() - t0)
        result["commit_clear"] = _summary(clear_tx)
        result["commit_sealed"] = _summary(sealed_tx)
        result["ratio_seal_cached_to_fernet_p50"] = round(
            result["seal_cached"]["p50_us"] / max(result["fernet_floor"]["p50_us"], 1e-9), 2
        )
        result["ratio_commit_sealed_to_clear_p50"] = round(
            result["commit_sealed"]["p50_us"] / max(result["commit_clear"]["p50_us"], 1e-9), 3
        )
    finally:
        await db.dispose()
    return result


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"bench": "privacy", "n": args.n}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = await _engine(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", args.n)
    if args.postgres_url:
        import asyncpg

        name = f"bench_privacy_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(args.postgres_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        base = args.postgres_url.rsplit("/", 1)[0]
        try:
            out["postgresql"] = await _engine(f"{base}/{name}", args.n)
        finally:
            admin = await asyncpg.connect(args.postgres_url)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="values sealed per figure (events: at most 1,000)")
    parser.add_argument(
        "--postgres-url", default=None, help="postgresql://... of a database beside which to create one"
    )
    args = parser.parse_args()
    out = asyncio.run(main_async(args))
    for engine in ("sqlite", "postgresql"):
        r = out.get(engine)
        if not r:
            continue
        print(
            f"{engine}: seal (key cached) p50 {r['seal_cached']['p50_us']} us, p99 {r['seal_cached']['p99_us']} us; "
            f"bare Fernet (floor) p50 {r['fernet_floor']['p50_us']} us: {r['ratio_seal_cached_to_fernet_p50']}x"
        )
        print(
            f"{engine}: seal of a new subject (key stored in the transaction) "
            f"p50 {r['seal_new_subject']['p50_us']} us, "
            f"p99 {r['seal_new_subject']['p99_us']} us"
        )
        print(
            f"{engine}: one event committed, field sealed p50 {r['commit_sealed']['p50_us']} us, "
            f"p99 {r['commit_sealed']['p99_us']} us; in clear p50 {r['commit_clear']['p50_us']} us, "
            f"p99 {r['commit_clear']['p99_us']} us: {r['ratio_commit_sealed_to_clear_p50']}x"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
