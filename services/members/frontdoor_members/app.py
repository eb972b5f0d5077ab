"""The members service's app factory: `create_app(settings, *, clock=None)`.

Nothing is wired at import time: the spec built here names the routers, the consumer and the
seed, and its `parts` builds the composition root (`context.py`) in the lifespan.
"""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.bus import topics
from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.service import ConsumerSpec, ServiceSpec, build_app
from frontdoor_members.audit.endpoints import router as audit_router
from frontdoor_members.checks.endpoints import router as checks_router
from frontdoor_members.contacts.endpoints import router as contacts_router
from frontdoor_members.context import MembersContext, builder
from frontdoor_members.courses.endpoints import router as courses_router
from frontdoor_members.dossier import consumer as dossier_consumer
from frontdoor_members.dossier.endpoints import router as dossier_router
from frontdoor_members.forwards.endpoints import router as forwards_router
from frontdoor_members.keywords.endpoints import router as keywords_router
from frontdoor_members.members.endpoints import router as members_router
from frontdoor_members.membership.endpoints import router as membership_router
from frontdoor_members.messages.endpoints import router as messages_router
from frontdoor_members.playbooks.endpoints import router as playbooks_router
from frontdoor_members.privacy import erasures as privacy_erasures
from frontdoor_members.privacy import hooks as privacy_hooks
from frontdoor_members.privacy.endpoints import router as privacy_router
from frontdoor_members.seed import seed
from frontdoor_members.settings import Settings
from frontdoor_members.tenants.endpoints import router as tenants_router
from frontdoor_members.trends.endpoints import router as trends_router

TITLE = "Frontdoor members: registry, caller identification, verification, dossier"
DESCRIPTION = (
    "Part of Frontdoor, the member contact center platform. National IDs are encrypted at rest and masked"
    " in every response unless the request carries a contact verified for the member (X-Contact-Id) and the"
    " token has members:pii; every such read is audited."
)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the members service's app; `clock` replaces the system clock (tests move time by hand)."""
    settings = settings or Settings()
    spec = ServiceSpec[MembersContext](
        name="members",
        title=TITLE,
        description=DESCRIPTION,
        routers=[
            members_router,  # first: /v1/members/lookup before /v1/members/{member_id}
            contacts_router,
            checks_router,
            dossier_router,
            membership_router,
            trends_router,
            keywords_router,
            tenants_router,
            playbooks_router,
            forwards_router,
            messages_router,
            courses_router,
            audit_router,
            privacy_router,
        ],
        migrations="frontdoor_members:migrations",
        parts=builder(settings, clock or SystemClock()),
        consumers=[
            ConsumerSpec(
                name="dossier",
                topics=[topics.ROUTING, topics.CALLBACKS, topics.AGENTS],
                handler=dossier_consumer.handler,
            ),
            # every service's report of its part of an erasure request (members' own included)
            ConsumerSpec(
                name="erasure-reports",
                topics=[topics.MEMBERS, topics.ROUTING, topics.CALLBACKS, topics.SURVEYS, topics.AGENTS],
                handler=privacy_erasures.reports_handler,
            ),
        ],
        seed=seed,
        privacy=privacy_hooks.spec(),
    )
    return build_app(settings, spec)
