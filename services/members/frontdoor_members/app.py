"""The members service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_members.settings import Settings

SPEC = ServiceSpec(
    name="members",
    title="Frontdoor members: registry, caller identification, verification, dossier",
    description="Part of Frontdoor, the member contact center platform.",
    routers=[],
    migrations="frontdoor_members:migrations",
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the members service's app."""
    return build_app(settings or Settings(), SPEC)
