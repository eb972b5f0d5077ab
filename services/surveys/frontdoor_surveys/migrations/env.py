"""Alembic environment of the surveys service."""

from frontdoor_common.migrations import run_env
from frontdoor_surveys.models import metadata

run_env(metadata, "surveys")
