"""The members service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_members.audit.endpoints import router as audit_router
from frontdoor_members.checks.endpoints import router as checks_router
from frontdoor_members.contacts.endpoints import router as contacts_router
from frontdoor_members.dossier.consumer import CONSUMER as DOSSIER_CONSUMER
from frontdoor_members.dossier.endpoints import router as dossier_router
from frontdoor_members.members.endpoints import router as members_router
from frontdoor_members.membership.endpoints import router as membership_router
from frontdoor_members.seed import seed
from frontdoor_members.settings import Settings
from frontdoor_members.tenants.endpoints import router as tenants_router
from frontdoor_members.trends.endpoints import router as trends_router

SPEC = ServiceSpec(
    name="members",
    title="Frontdoor members: registry, caller identification, verification, dossier",
    description=(
        "Part of Frontdoor, the member contact center platform. National IDs are encrypted at rest and masked"
        " in every response unless the request carries a contact verified for the member (X-Contact-Id) and the"
        " token has members:pii; every such read is audited."
    ),
    routers=[
        members_router,  # first: /v1/members/lookup before /v1/members/{member_id}
        contacts_router,
        checks_router,
        dossier_router,
        membership_router,
        trends_router,
        tenants_router,
        audit_router,
    ],
    migrations="frontdoor_members:migrations",
    consumers=[DOSSIER_CONSUMER],
    seed=seed,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the members service's app."""
    return build_app(settings or Settings(), SPEC)
