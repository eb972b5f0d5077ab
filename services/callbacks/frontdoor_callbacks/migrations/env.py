"""Alembic environment of the callbacks service."""

from frontdoor_callbacks.models import load_tables, metadata
from frontdoor_common.migrations import run_env

load_tables()
run_env(metadata, "callbacks")
