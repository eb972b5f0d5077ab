"""The console's app factory.

`create_app(settings, clock=..., services=...)` builds the service spec around the
composition root (`context.builder`): the lifespan builds the context once and starts the
event feed; the pages, their event streams and the sign-in are its routers; the vendored
htmx and the console's own script and styles are served from `static/`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from frontdoor_common.clock import Clock, SystemClock
from frontdoor_common.service import ServiceSpec, build_app
from frontdoor_console.admin.endpoints import router as admin_router
from frontdoor_console.auth.endpoints import router as auth_router
from frontdoor_console.clients.services import Services
from frontdoor_console.context import ConsoleContext, builder
from frontdoor_console.desk.actions import router as desk_actions_router
from frontdoor_console.desk.courses import router as desk_courses_router
from frontdoor_console.desk.endpoints import router as desk_router
from frontdoor_console.desk.forwards import router as desk_forwards_router
from frontdoor_console.desk.meetings import router as desk_meetings_router
from frontdoor_console.desk.playbook import router as desk_playbook_router
from frontdoor_console.desk.tasks import router as desk_tasks_router
from frontdoor_console.followups.endpoints import router as followups_router
from frontdoor_console.messages.endpoints import router as messages_router
from frontdoor_console.planning.endpoints import router as planning_router
from frontdoor_console.prefs.endpoints import router as prefs_router
from frontdoor_console.privacy.endpoints import router as privacy_router
from frontdoor_console.settings import Settings
from frontdoor_console.team.endpoints import router as team_router
from frontdoor_console.wallboard.endpoints import router as wallboard_router
from frontdoor_console.web.errors import install_page_errors
from frontdoor_console.web.security import SecurityHeaders
from frontdoor_console.web.templating import STATIC_DIR


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    services: Services | None = None,
) -> FastAPI:
    """Build the console's app; `clock` and `services` replace the real ones (tests)."""
    settings = settings or Settings()
    spec = ServiceSpec[ConsoleContext](
        name="console",
        title="Frontdoor console: the agent desk, the supervisor's wallboard, the team lead's view",
        description="Part of Frontdoor, the member contact center platform: the staff's screens.",
        routers=[
            auth_router,
            prefs_router,
            desk_router,
            desk_actions_router,
            desk_playbook_router,
            desk_forwards_router,
            desk_courses_router,
            desk_meetings_router,
            desk_tasks_router,
            followups_router,
            messages_router,
            wallboard_router,
            team_router,
            planning_router,
            admin_router,
            privacy_router,
        ],
        migrations="frontdoor_console:migrations",
        parts=builder(settings, clock or SystemClock(), services=services),
    )
    app = build_app(settings, spec)
    install_page_errors(app)
    app.add_middleware(SecurityHeaders, settings=settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
