"""The migrations build exactly the tables the models describe."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI

from frontdoor_callbacks.app import create_app
from frontdoor_callbacks.settings import Settings
from frontdoor_callbacks.tables import metadata
from frontdoor_callbacks.testing import context
from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import running_app


async def test_the_migrations_match_the_models(make_settings: Any, clock: ManualClock) -> None:
    settings = make_settings(Settings, dispatcher_interval_s=0, run_consumers=False, kafka_bootstrap_servers=None)
    app: FastAPI = create_app(settings, clock=clock)
    async with running_app(app), context(app).db.engine.connect() as conn:

        def diff(sync_conn: Any) -> list[Any]:
            mc = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            ours = set(metadata.tables)

            def about_ours(d: Any) -> bool:
                item = d[0] if isinstance(d, list) else d  # modify_* diffs come as lists
                for part in item[1:]:
                    table = getattr(part, "table", part)  # an index or column names its table
                    if getattr(table, "name", table) in ours:
                        return True
                return False

            # The bus tables belong to the foundation's metadata, not this service's models.
            return [d for d in compare_metadata(mc, metadata) if about_ours(d)]

        assert await conn.run_sync(diff) == []
