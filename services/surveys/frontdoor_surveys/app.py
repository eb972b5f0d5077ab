"""The surveys service's app factory."""

from __future__ import annotations

from fastapi import FastAPI

from frontdoor_common.bus import topics
from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.service import ConsumerSpec, ServiceSpec, build_app
from frontdoor_surveys.context import SurveysContext, builder
from frontdoor_surveys.gateway.base import SmsGateway
from frontdoor_surveys.gateway.endpoints import router as sms_router
from frontdoor_surveys.index.endpoints import router as index_router
from frontdoor_surveys.notices import consumer as notices_consumer
from frontdoor_surveys.notices.endpoints import router as notices_router
from frontdoor_surveys.policy.endpoints import router as policy_router
from frontdoor_surveys.privacy import privacy_spec
from frontdoor_surveys.seed import seed
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.consumer import build_router
from frontdoor_surveys.surveys.endpoints import router as surveys_router


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, sms_gateway: SmsGateway | None = None
) -> FastAPI:
    """Build the surveys service's app; `clock` replaces the wall clock (quiet hours and expiry in
    tests), `sms_gateway` the platform's configured SMS gateway."""
    settings = settings or Settings()
    spec = ServiceSpec[SurveysContext](
        name="surveys",
        title="Frontdoor surveys: post-call SMS surveys and the satisfaction index",
        description="Part of Frontdoor, the member contact center platform. After a call resolved in the first "
        "line the member gets four questions by SMS; the satisfaction index (0-100) is reported by period, "
        "queue, team and agent against the tenant's target.",
        routers=[surveys_router, index_router, sms_router, policy_router, notices_router],
        migrations="frontdoor_surveys:migrations",
        parts=builder(settings, clock or SystemClock(), gateway=sms_gateway),
        consumers=[
            ConsumerSpec(
                name="contacts",
                topics=[topics.ROUTING, topics.CALLBACKS],
                handler=lambda ctx: build_router(ctx.surveys, ctx.unsealer),
            ),
            ConsumerSpec(
                name="notices",
                topics=[topics.MEMBERS],
                handler=lambda ctx: notices_consumer.build_router(ctx.notices),
            ),
        ],
        seed=seed,
        privacy=privacy_spec(),
    )
    return build_app(settings, spec)
