"""Alembic environment of the routing service."""

from frontdoor_common.migrations import run_env
from frontdoor_routing.models import metadata
from frontdoor_routing.tasks import models as task_models  # noqa: F401  (its table on the metadata)

run_env(metadata, "routing")
