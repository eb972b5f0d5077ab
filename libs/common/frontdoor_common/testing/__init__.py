"""Test helpers on real parts (also a pytest plugin: see `plugin`)."""

from frontdoor_common.testing.bus import publish, read_envelopes, read_records
from frontdoor_common.testing.plugin import auth, create_database, eventually, running_app, serve_app

__all__ = [
    "auth",
    "create_database",
    "eventually",
    "publish",
    "read_envelopes",
    "read_records",
    "running_app",
    "serve_app",
]
