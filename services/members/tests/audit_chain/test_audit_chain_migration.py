"""Migration members_0012 chains the reads recorded before it (per tenant, in time then id order),
so an upgraded database verifies; it downgrades and upgrades again."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.models import UTCDateTime
from frontdoor_common.testing import create_database
from frontdoor_members.audit import service
from frontdoor_members.audit.models import PersonalDataRead

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

old_reads = sa.table(
    "personal_data_reads",
    sa.column("id", sa.Uuid()),
    sa.column("member_id", sa.Uuid()),
    sa.column("contact_id", sa.Uuid()),
    *(sa.column(c) for c in ["tenant_id", "subject", "purpose", "request_id"]),
    sa.column("fields", sa.JSON()),
    sa.column("at", UTCDateTime()),
)


def test_the_migration_chains_reads_recorded_before_it(db_engine: str, tmp_path: Path) -> None:
    url, drop = create_database(db_engine, tmp_path)  # a database of its own: it starts at 0011
    try:
        asyncio.run(_scenario(url))
    finally:
        drop()


async def _scenario(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members", revision="members_0011")
        # written out of time order; two at the same instant (then ordered by id)
        same = sorted([uuid.uuid4(), uuid.uuid4()])
        rows: list[dict[str, Any]] = [
            _read("a", T0 + timedelta(minutes=5)),
            _read("b", T0 + timedelta(minutes=1)),
            _read("a", T0 + timedelta(minutes=1), id=same[1]),
            _read("a", T0 + timedelta(minutes=1), id=same[0]),
            _read("a", T0),
            _read("b", T0 + timedelta(minutes=9), contact_id=uuid.uuid4(), request_id=None),
        ]
        async with db.engine.begin() as conn:
            for r in rows:
                await conn.execute(old_reads.insert().values(**r))
        await upgrade(db, "frontdoor_members:migrations", "members")
        await _expect_chained(db, rows)
        await _downgrade(db, "members_0011")
        await upgrade(db, "frontdoor_members:migrations", "members")
        await _expect_chained(db, rows)
        # and the service extends the migrated chain
        async with db.transaction() as s:
            await service.record_read(
                s,
                tenant_id="a",
                member_id=uuid.uuid4(),
                subject="agent",
                purpose="p",
                fields=["address"],
                contact_id=None,
                request_id="r",
                at=T0 + timedelta(hours=1),
            )
        async with db.snapshot() as s:
            after = await service.verify(s, "a")
        assert after.ok and after.entries == 5
    finally:
        await db.dispose()


async def _expect_chained(db: Database, rows: list[dict[str, Any]]) -> None:
    async with db.snapshot() as s:
        for tenant in ("a", "b"):
            result = await service.verify(s, tenant)
            assert result.ok, result.broken
            mine = sorted((r for r in rows if r["tenant_id"] == tenant), key=lambda r: (r["at"], r["id"]))
            assert result.entries == len(mine)
            stored = await s.scalars(
                sa.select(PersonalDataRead).where(PersonalDataRead.tenant_id == tenant).order_by(PersonalDataRead.seq)  # type: ignore[arg-type]
            )
            assert [e.id for e in stored] == [r["id"] for r in mine]


def _read(tenant: str, at: datetime, **overrides: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant,
        "member_id": uuid.uuid4(),
        "subject": "agent-1",
        "contact_id": None,
        "purpose": "dues_question",
        "fields": ["national_id", "address"],
        "request_id": "req",
        "at": at,
    } | overrides


async def _downgrade(db: Database, revision: str) -> None:
    from alembic import command

    from frontdoor_common.migrations import alembic_config

    cfg = alembic_config("frontdoor_members:migrations", db.url, "members")

    def _run(conn: Any) -> None:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_run)
