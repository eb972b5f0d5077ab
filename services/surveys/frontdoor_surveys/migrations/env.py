"""Alembic environment of the surveys service."""

import frontdoor_surveys.gateway.models
import frontdoor_surveys.notices.models
import frontdoor_surveys.policy.models
import frontdoor_surveys.surveys.models  # noqa: F401  (register the tables on the metadata)
from frontdoor_common.migrations import run_env
from frontdoor_surveys.models import metadata

run_env(metadata, "surveys")
