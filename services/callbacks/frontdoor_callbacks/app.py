"""The callbacks service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_callbacks.settings import Settings
from frontdoor_common.service import ServiceSpec, build_app

SPEC = ServiceSpec(
    name="callbacks",
    title="Frontdoor callbacks: requests, windows, deadlines, attempts",
    description="Part of Frontdoor, the member contact center platform.",
    routers=[],
    migrations="frontdoor_callbacks:migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the callbacks service's app."""
    return build_app(settings or Settings(), SPEC)
