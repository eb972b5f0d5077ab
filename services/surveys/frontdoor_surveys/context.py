"""The surveys service's composition root: its typed parts, built once per process in the lifespan.

The routes reach them through `ContextDep`, the consumer and the seed are built from them, and the
lifespan starts and stops `workers` (the SMS sender and the expiry sweeper). A test swaps the
clock (and the platform's SMS gateway) through `create_app`'s keyword arguments.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

from fastapi import Depends

from frontdoor_common.clock import Clock
from frontdoor_common.db import Database
from frontdoor_common.privacy.seal import Unsealer
from frontdoor_common.service import Parts, Runtime, parts_dependency
from frontdoor_common.workers import Worker
from frontdoor_surveys.gateway.base import SmsGateway
from frontdoor_surveys.gateway.directory import GatewayDirectory
from frontdoor_surveys.gateway.sender import SmsSender
from frontdoor_surveys.gateway.service import SmsOutbox, build_gateway
from frontdoor_surveys.notices.service import NoticeService
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.notifier import SurveysNotifier
from frontdoor_surveys.surveys.replies import ReplyService
from frontdoor_surveys.surveys.service import SurveyService
from frontdoor_surveys.surveys.sweeper import ExpirySweeper


@dataclass(kw_only=True)
class SurveysContext(Parts):
    """What the surveys service is built of."""

    runtime: Runtime
    settings: Settings
    clock: Clock
    notifier: SurveysNotifier
    gateway: SmsGateway  # the platform's SMS gateway (a tenant with its own URL: gateway.directory)
    sms: SmsOutbox  # queues SMS in the caller's transaction; wakes the sender once that commits
    surveys: SurveyService
    replies: ReplyService
    notices: NoticeService  # the members service's notices, queued as SMS
    unsealer: Unsealer  # opens the sealed numbers and texts of other services' events
    sender: SmsSender
    sweeper: ExpirySweeper
    workers: list[Worker] = field(default_factory=list)

    @property
    def db(self) -> Database:
        """The service's database."""
        return self.runtime.db

    async def close(self) -> None:
        """Close the platform gateway's connections (the workers are stopped already)."""
        await self.gateway.close()


def build(runtime: Runtime, settings: Settings, clock: Clock, *, gateway: SmsGateway | None = None) -> SurveysContext:
    """Wire the parts: the notifier and the SMS outbox first, the services on them, the workers last."""
    assert runtime.unsealer is not None, "the runtime builds the unsealer before the parts"
    notifier = SurveysNotifier(runtime.outbox, clock)
    sms = SmsOutbox(clock)
    surveys = SurveyService(
        clock=clock,
        notifier=notifier,
        sms=sms,
        late_identification=timedelta(hours=settings.late_identification_hours),
    )
    platform = gateway if gateway is not None else build_gateway(settings, clock)
    sender = SmsSender(
        db=runtime.db,
        settings=settings,
        clock=clock,
        directory=GatewayDirectory(platform, settings),
        surveys=surveys,
    )
    sms.on_commit(sender.wake)
    sweeper = ExpirySweeper(db=runtime.db, surveys=surveys, interval_s=settings.sweep_interval_s)
    return SurveysContext(
        runtime=runtime,
        settings=settings,
        clock=clock,
        notifier=notifier,
        gateway=platform,
        sms=sms,
        surveys=surveys,
        replies=ReplyService(clock=clock, notifier=notifier, sms=sms),
        notices=NoticeService(clock=clock, sms=sms, unsealer=runtime.unsealer),
        unsealer=runtime.unsealer,
        sender=sender,
        sweeper=sweeper,
        workers=[sender, sweeper],
    )


def builder(
    settings: Settings, clock: Clock, *, gateway: SmsGateway | None = None
) -> Callable[[Runtime], Awaitable[SurveysContext]]:
    """The `ServiceSpec.parts` hook: builds the context in the lifespan."""

    async def parts(runtime: Runtime) -> SurveysContext:
        return build(runtime, settings, clock, gateway=gateway)

    return parts


ContextDep = Annotated[SurveysContext, Depends(parts_dependency(SurveysContext))]
