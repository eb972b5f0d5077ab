"""The migrations build exactly the tables the models describe, and 0003 turns past calls and
notes into contacts for the trends (a call and its note as one)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_common.testing import create_database
from frontdoor_members.tables import TABLES, metadata


async def test_the_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members")
        ours = set(metadata.tables)
        assert ours == {table.__tablename__ for table in TABLES}  # the registry names every table

        def diff(sync_conn: Any) -> list[Any]:
            mc = MigrationContext.configure(sync_conn, opts={"compare_type": False})

            def about_ours(d: Any) -> bool:
                item = d[0] if isinstance(d, list) else d
                for part in item[1:]:
                    table = getattr(part, "table", part)
                    if getattr(table, "name", table) in ours:
                        return True
                return False

            return [d for d in compare_metadata(mc, metadata) if about_ours(d)]

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


def test_migration_0003_counts_a_past_call_and_its_note_as_one_contact(db_engine: str, tmp_path: Path) -> None:
    url, drop = create_database(db_engine, tmp_path)  # a database of its own: it starts at 0002
    try:
        asyncio.run(_backfill_scenario(url))
    finally:
        drop()


async def _downgrade(db: Database, revision: str) -> None:
    from alembic import command

    from frontdoor_common.migrations import alembic_config

    cfg = alembic_config("frontdoor_members:migrations", db.url, "members")

    def _run(conn: Any) -> None:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_run)


async def _backfill_scenario(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db, "frontdoor_members:migrations", "members", revision="members_0002")
        member, call = uuid.uuid4(), uuid.uuid4()
        at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        members = sa.table(
            "members",
            sa.column("id", sa.Uuid()),
            *(sa.column(c) for c in ["tenant_id", "member_number", "first_name", "last_name", "status", "category"]),
            sa.column("returned_mail", sa.Boolean()),
            sa.column("is_shop_steward", sa.Boolean()),
            sa.column("insurances", sa.JSON()),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("updated_at", sa.DateTime(timezone=True)),
        )
        entries = sa.table(
            "dossier_entries",
            sa.column("id", sa.Uuid()),
            sa.column("member_id", sa.Uuid()),
            sa.column("call_id", sa.Uuid()),
            *(sa.column(c) for c in ["tenant_id", "kind", "reason", "author"]),
            sa.column("noted_on", sa.Date()),
            sa.column("occurred_at", sa.DateTime(timezone=True)),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        async with db.engine.begin() as conn:
            await conn.execute(
                members.insert().values(
                    id=member,
                    tenant_id="t",
                    member_number="1",
                    first_name="A",
                    last_name="B",
                    status="active",
                    category="ordinary",
                    returned_mail=False,
                    is_shop_steward=False,
                    insurances=[],
                    created_at=at,
                    updated_at=at,
                )
            )
            for kind, reason, call_id in [
                ("call", "dues_invoice", call),
                ("log", None, call),
                ("log", "trouble", None),
            ]:
                await conn.execute(
                    entries.insert().values(
                        id=uuid.uuid4(),
                        tenant_id="t",
                        member_id=member,
                        kind=kind,
                        reason=reason,
                        call_id=call_id,
                        author="x",
                        noted_on=at.date(),
                        occurred_at=at,
                        created_at=at,
                    )
                )
        await upgrade(db, "frontdoor_members:migrations", "members")
        records = sa.table("contact_records", sa.column("reason"), sa.column("call_id", sa.Uuid()))
        async with db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(records.c.reason, records.c.call_id))).all()
        assert sorted((r.reason, r.call_id) for r in rows) == [("dues_invoice", call), ("trouble", None)]
        # the upgrade rebuilt nothing that cascades: every entry is still there, and so after a downgrade
        await _downgrade(db, "members_0002")
        await upgrade(db, "frontdoor_members:migrations", "members")
        async with db.engine.connect() as conn:
            assert await conn.scalar(sa.select(sa.func.count()).select_from(entries)) == 3
            assert await conn.scalar(sa.select(sa.func.count()).select_from(members)) == 1
    finally:
        await db.dispose()
