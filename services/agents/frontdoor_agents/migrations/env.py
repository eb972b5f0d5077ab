"""Alembic environment of the agents service."""

from frontdoor_agents.models import metadata
from frontdoor_common.migrations import run_env

run_env(metadata, "agents")
