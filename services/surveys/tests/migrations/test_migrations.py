"""The surveys migrations go up, down to the bus tables, and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Connection, inspect

from frontdoor_common.db import Database
from frontdoor_common.migrations import alembic_config, upgrade

SURVEYS_TABLES = {
    "surveys",
    "survey_policies",
    "survey_questions",
    "survey_opt_outs",
    "sms_inbound",
    "sms_outgoing",
    "sms_gateways",
    "survey_contact_links",
}


async def test_the_migrations_go_down_and_up_again(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, "frontdoor_surveys:migrations", "surveys")
        assert await _tables(db) >= SURVEYS_TABLES
        cfg = alembic_config("frontdoor_surveys:migrations", db.url, "surveys")

        def downgrade(conn: Connection) -> None:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "surveys_0001")

        async with db.engine.begin() as conn:
            await conn.run_sync(downgrade)
        assert not SURVEYS_TABLES & await _tables(db)
        assert {"outbox", "inbox"} <= await _tables(db)
        await upgrade(db, "frontdoor_surveys:migrations", "surveys")
        assert await _tables(db) >= SURVEYS_TABLES
    finally:
        await db.dispose()


async def _tables(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
