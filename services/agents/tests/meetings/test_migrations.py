"""The agents migrations (0004: meeting kinds and meetings) build exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from frontdoor_agents.models import metadata
from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade


async def test_the_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, "frontdoor_agents:migrations", "agents")
        ours = set(metadata.tables)
        assert {"meeting_kinds", "meetings"} <= ours

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
