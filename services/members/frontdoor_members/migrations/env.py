"""Alembic environment of the members service."""

from frontdoor_common.migrations import run_env
from frontdoor_members.tables import metadata

run_env(metadata, "members")
