"""Alembic per service: own script directory, own version table, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData

from frontdoor_common.bus.tables import BUS_METADATA
from frontdoor_common.db import Database, make_engine
from frontdoor_common.privacy.tables import PRIVACY_METADATA


def version_table(service: str) -> str:
    """Each service's own Alembic version table, so databases could even be shared."""
    return f"alembic_version_{service}"


def alembic_config(script_location: str, url: str, service: str) -> Config:
    """An Alembic config for a service's migrations (`package:migrations`)."""
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


async def upgrade(db: Database, script_location: str, service: str, revision: str = "head") -> None:
    """Apply the service's migrations up to `revision` on `db`."""
    cfg = alembic_config(script_location, db.url, service)

    def _run(conn: Connection) -> None:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_run)


def run_env(target_metadata: MetaData, service: str) -> None:
    """The body of every service's `env.py`: online migrations on the given connection."""
    from alembic import context

    config = context.config
    metadata = [target_metadata, BUS_METADATA, PRIVACY_METADATA]

    def _migrate(conn: Connection) -> None:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            version_table=version_table(service),
            render_as_batch=conn.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    connection: Any = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return

    async def _standalone() -> None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as conn:
            await conn.run_sync(_migrate)
        await engine.dispose()

    asyncio.run(_standalone())


def create_bus_tables(bind: Connection) -> None:
    """Create the outbox and inbox tables (used by every service's first migration)."""
    BUS_METADATA.create_all(bind)


def drop_bus_tables(bind: Connection) -> None:
    """Drop the outbox and inbox tables."""
    BUS_METADATA.drop_all(bind)


def create_privacy_tables(bind: Connection) -> None:
    """Create the seal keys and the retention policies (the personal-data lifecycle, issue 17)."""
    PRIVACY_METADATA.create_all(bind)


def drop_privacy_tables(bind: Connection) -> None:
    """Drop the seal keys and the retention policies."""
    PRIVACY_METADATA.drop_all(bind)
