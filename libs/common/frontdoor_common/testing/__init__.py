"""Test helpers on real parts (also a pytest plugin: see `plugin`)."""

from frontdoor_common.testing.plugin import auth, create_database, eventually, running_app, serve_app

__all__ = ["auth", "create_database", "eventually", "running_app", "serve_app"]
