"""Alembic environment of the members service."""

from frontdoor_common.migrations import run_env
from frontdoor_members.models import load_models, metadata

load_models()
run_env(metadata, "members")
