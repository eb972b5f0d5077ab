"""`python -m frontdoor_members.audit verify [--tenant T]`: whether each tenant's audit chain was altered.

Prints a line per tenant (OK, or the first broken seq and why), then one JSON line with the
counts; exits 0 when every chain verifies, 1 otherwise. A chain whose oldest entries the retention
of audit entries deleted verifies from its checkpoint. Reads MEMBERS_DATABASE_URL; walks each
chain a page at a time in a read-only snapshot, so it neither holds the table in memory nor
blocks the service's writers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from frontdoor_common.db import Database
from frontdoor_members.audit import repository, service
from frontdoor_members.audit.service import Verification
from frontdoor_members.settings import Settings


async def run(database_url: str, tenant: str | None = None, out: TextIO = sys.stdout) -> int:
    """Verify the chains (one tenant's, or every tenant's); print the outcome; the exit code."""
    db = Database(database_url)
    results: list[Verification] = []
    try:
        async with db.snapshot() as session:
            if db.dialect == "postgresql":  # one consistent view of every chain for the whole walk
                from sqlalchemy import text

                await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            for t in [tenant] if tenant is not None else await repository.tenants(session):
                v = await service.verify(session, t)
                results.append(v)
                if v.broken is None:
                    pruned = f", pruned before seq {v.pruned_before}" if v.pruned_before > 1 else ""
                    print(f"{t}: OK ({v.entries} entries, head {v.head_seq} {v.head_hash}{pruned})", file=out)
                else:
                    b = v.broken
                    print(f"{t}: BROKEN at seq {b.seq}: {b.reason} ({b.detail})", file=out)
    finally:
        await db.dispose()
    broken = [v for v in results if not v.ok]
    summary = {
        "tenants": len(results),
        "verified": len(results) - len(broken),
        "broken": len(broken),
        "entries": sum(v.entries for v in results),
        "broken_tenants": [v.tenant_id for v in broken],
    }
    print(json.dumps(summary), file=out)
    return 1 if broken else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m frontdoor_members.audit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify the audit chains")
    verify.add_argument("--tenant", default=None, help="only this tenant's chain")
    args = parser.parse_args(argv)
    return asyncio.run(run(Settings().effective_database_url, args.tenant))


if __name__ == "__main__":
    sys.exit(main(["verify", *sys.argv[1:]]))
