"""The surveys service's app factory."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI

from frontdoor_common.bus import topics
from frontdoor_common.bus.consumer import EventRouter
from frontdoor_common.service import ConsumerSpec, Runtime, ServiceSpec, build_app
from frontdoor_surveys.clock import Clock
from frontdoor_surveys.gateway.endpoints import router as sms_router
from frontdoor_surveys.gateway.sender import SmsSender
from frontdoor_surveys.gateway.service import build_gateway
from frontdoor_surveys.index.endpoints import router as index_router
from frontdoor_surveys.policy.endpoints import router as policy_router
from frontdoor_surveys.seed import seed
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.surveys.consumer import build_router
from frontdoor_surveys.surveys.endpoints import router as surveys_router
from frontdoor_surveys.surveys.sweeper import ExpirySweeper


async def start_workers(runtime: Runtime) -> None:
    """Start the SMS sender and the expiry sweeper."""
    settings = runtime.settings
    assert isinstance(settings, Settings)
    sender = SmsSender(runtime, build_gateway(settings))
    runtime.state["sms_sender"] = sender
    await sender.start()
    runtime.watch("sms_sender", sender)
    sweeper = ExpirySweeper(runtime)
    runtime.state["expiry_sweeper"] = sweeper
    await sweeper.start()
    runtime.watch("expiry_sweeper", sweeper)


async def stop_workers(runtime: Runtime) -> None:
    """Stop them (before the database closes)."""
    for name in ("expiry_sweeper", "sms_sender"):
        worker = runtime.state.pop(name, None)
        if worker is not None:
            await worker.stop()


def make_spec(clock: Clock | None = None) -> ServiceSpec:
    """The service's spec; `clock` replaces the wall clock (quiet hours and expiry in tests)."""

    def install_clock(runtime: Runtime) -> None:
        if clock is not None:
            runtime.state["clock"] = clock

    def contacts(runtime: Runtime) -> EventRouter:
        install_clock(runtime)  # consumers start before the startup hooks
        return build_router(runtime)

    async def startup(runtime: Runtime) -> None:
        install_clock(runtime)
        await start_workers(runtime)

    return replace(
        SPEC,
        consumers=[ConsumerSpec(name="contacts", topics=[topics.ROUTING, topics.CALLBACKS], handler=contacts)],
        on_startup=[startup],
    )


SPEC = ServiceSpec(
    name="surveys",
    title="Frontdoor surveys: post-call SMS surveys and the satisfaction index",
    description="Part of Frontdoor, the member contact center platform. After a call resolved in the first line "
    "the member gets four questions by SMS; the satisfaction index (0-100) is reported by period, queue, team "
    "and agent against the tenant's target.",
    routers=[surveys_router, index_router, sms_router, policy_router],
    migrations="frontdoor_surveys:migrations",
    consumers=[ConsumerSpec(name="contacts", topics=[topics.ROUTING, topics.CALLBACKS], handler=build_router)],
    on_startup=[start_workers],
    on_shutdown=[stop_workers],
    seed=seed,
)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the surveys service's app."""
    return build_app(settings or Settings(), make_spec(clock) if clock is not None else SPEC)
