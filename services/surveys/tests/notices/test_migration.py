"""The notices' migration builds the table the model describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from frontdoor_common.db import Database
from frontdoor_common.migrations import upgrade
from frontdoor_surveys.models import metadata
from frontdoor_surveys.notices.models import Notice


async def test_the_notices_table_matches_its_model(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, "frontdoor_surveys:migrations", "surveys")

        def diff(sync_conn: Any) -> list[Any]:
            mc = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            found = []
            for d in compare_metadata(mc, metadata):
                item = d[0] if isinstance(d, list) else d
                names = {getattr(getattr(p, "table", p), "name", getattr(p, "table", p)) for p in item[1:]}
                if Notice.__tablename__ in names:
                    found.append(d)
            return found

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()
