"""The surveys service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_surveys.settings import Settings

SPEC = ServiceSpec(
    name="surveys",
    title="Frontdoor surveys: post-call SMS surveys and the satisfaction index",
    description="Part of Frontdoor, the member contact center platform.",
    routers=[],
    migrations="frontdoor_surveys:migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the surveys service's app."""
    return build_app(settings or Settings(), SPEC)
