"""Alembic environment of the console."""

from frontdoor_common.migrations import run_env
from frontdoor_console.tables import metadata

run_env(metadata, "console")
