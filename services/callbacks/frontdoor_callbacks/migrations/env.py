"""Alembic environment of the callbacks service."""

from frontdoor_callbacks.tables import metadata
from frontdoor_common.migrations import run_env

run_env(metadata, "callbacks")
