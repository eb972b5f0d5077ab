"""Alembic environment of the routing service."""

from frontdoor_common.migrations import run_env
from frontdoor_routing.models import metadata

run_env(metadata, "routing")
