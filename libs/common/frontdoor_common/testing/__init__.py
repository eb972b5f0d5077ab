"""Test helpers on real parts (also a pytest plugin: see `plugin`)."""

from frontdoor_common.testing.bus import publish, read_envelopes, read_records
from frontdoor_common.testing.plugin import (
    Responsiveness,
    auth,
    create_database,
    eventually,
    parts_of,
    running_app,
    serve_app,
    stays_responsive,
)

__all__ = [
    "Responsiveness",
    "auth",
    "create_database",
    "eventually",
    "parts_of",
    "publish",
    "read_envelopes",
    "read_records",
    "running_app",
    "serve_app",
    "stays_responsive",
]
