"""`make bench-export` (`python -m frontdoor_members.privacy.bench`): a member's access request streams.

The members service on a loopback port (uvicorn, a SQLite file), a member with a small dossier and
one with a large one (`--small`, `--large` entries of about 300 characters each). Each export is read
over HTTP chunk by chunk (JSON, and the HTML document) while `tracemalloc` records the process's peak
allocation above what it held before the request. The baseline is the small dossier's export in the
same run: a streamed export's peak stays near it however large the dossier (the ratio of peaks stays
near 1 while the ratio of sizes is large); a buffered one grows with the document. The other
services are not running (named in `unavailable`): this measures members' own part. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from frontdoor_common.auth import mint_token
from frontdoor_common.testing import serve_app
from frontdoor_members.app import create_app
from frontdoor_members.dossier.models import DossierEntry
from frontdoor_members.members.models import Member
from frontdoor_members.settings import Settings

TENANT = "00000000-0000-4000-8000-0000000000e7"
TEXT = "Medlemmet ringte om kontingenten og sykemeldingen; avtalt ny betalingsplan og oppfølging neste uke. " * 3


async def _seed(app: Any, entries: int) -> uuid.UUID:
    runtime = app.state.runtime
    member_id = uuid.uuid4()
    now = datetime.now(UTC)
    async with runtime.db.transaction() as s:
        s.add(
            Member(
                id=member_id,
                tenant_id=TENANT,
                member_number=str(uuid.uuid4().int % 10**9),
                first_name="Kari",
                last_name="Nordmann",
                status="active",
                category="ordinary",
                created_at=now,
                updated_at=now,
            )
        )
    for start in range(0, entries, 5_000):
        async with runtime.db.transaction() as s:
            for i in range(start, min(entries, start + 5_000)):
                at = now - timedelta(minutes=i)
                s.add(
                    DossierEntry(
                        tenant_id=TENANT,
                        member_id=member_id,
                        kind="log",
                        channel="phone",
                        reason="dues_invoice",
                        summary=f"{i}: {TEXT}",
                        noted_on=at.date(),
                        author="bench",
                        occurred_at=at,
                        created_at=at,
                    )
                )
    return member_id


async def _export(base: str, member_id: uuid.UUID, fmt: str) -> dict[str, float]:
    token = mint_token(tenant_id=TENANT, scopes="privacy:export")
    params = {"format": fmt} if fmt == "html" else {}
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    size = 0
    async with (
        httpx.AsyncClient(base_url=base, timeout=300) as client,
        client.stream(
            "GET",
            f"/v1/members/{member_id}/personal-data",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        ) as answer,
    ):
        assert answer.status_code == 200, answer.status_code
        async for chunk in answer.aiter_bytes():
            size += len(chunk)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"bytes": size, "seconds": round(seconds, 3), "peak_mib": round((peak - before) / 2**20, 2)}


async def main_async(small: int, large: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test",
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'members.db'}",
            kafka_bootstrap_servers=None,
            var_dir=Path(tmp) / "var",
            log_json=True,
            log_level="WARNING",
            otel_enabled=False,
        )
        app = create_app(settings)
        out: dict[str, Any] = {"bench": "export", "small_entries": small, "large_entries": large}
        async with serve_app(app) as base:
            ids = {"small": await _seed(app, small), "large": await _seed(app, large)}
            await _export(base, ids["small"], "json")  # warm-up: first-use allocations are not the export's
            await _export(base, ids["small"], "html")
            for fmt in ("json", "html"):
                for size in ("small", "large"):
                    out[f"{fmt}_{size}"] = await _export(base, ids[size], fmt)
        for fmt in ("json", "html"):
            s, big = out[f"{fmt}_small"], out[f"{fmt}_large"]
            out[f"{fmt}_size_ratio"] = round(big["bytes"] / max(s["bytes"], 1), 1)
            out[f"{fmt}_peak_ratio"] = round(big["peak_mib"] / max(s["peak_mib"], 0.01), 2)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=1_000, help="dossier entries of the baseline member")
    parser.add_argument("--large", type=int, default=50_000, help="dossier entries of the large member")
    args = parser.parse_args()
    out = asyncio.run(main_async(args.small, args.large))
    for fmt in ("json", "html"):
        s, big = out[f"{fmt}_small"], out[f"{fmt}_large"]
        print(
            f"{fmt}: {args.large:,} entries {big['bytes'] / 2**20:.1f} MiB in {big['seconds']} s, peak "
            f"{big['peak_mib']} MiB; baseline {args.small:,} entries {s['bytes'] / 2**20:.2f} MiB, peak "
            f"{s['peak_mib']} MiB: {out[f'{fmt}_size_ratio']}x the bytes, {out[f'{fmt}_peak_ratio']}x the peak"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
