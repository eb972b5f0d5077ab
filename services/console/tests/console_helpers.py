"""What the console's tests do again and again beyond the stage's own helpers: a desk over
HTTP, a console of the test's own (in a thread), axe-core."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from frontdoor_console.stage import (  # noqa: F401 - the tests import these from here
    INVOICES,
    MEMBER_NUMBER,
    OTHER,
    WAGES,
    Stage,
    ok,
    sign_in,
    until,
    wait_for,
)

AXE = Path(__file__).resolve().parents[3] / ".browser/node_modules/axe-core/axe.min.js"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.evaluate(AXE.read_text())  # evaluated, not injected: the console's CSP forbids inline scripts
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@contextlib.contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """Serve an in-process app (a console with a manual clock, or pointed at a dead service) from a thread."""
    import uvicorn

    from frontdoor_common.bus.broker import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=30, what="the console in a thread to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def console_settings(platform: Stage, tmp: Path, **overrides: Any) -> Any:
    """Settings of a console of the test's own, on the platform's services (any of them replaced)."""
    from frontdoor_console.settings import Settings

    values: dict[str, Any] = {
        "environment": "test",
        "database_url": f"sqlite+aiosqlite:///{tmp / f'console-{uuid.uuid4().hex[:8]}.db'}",
        "kafka_bootstrap_servers": platform.bootstrap,
        "var_dir": tmp,
        "log_level": "WARNING",
        "otel_enabled": False,
        "routing_url": platform.url("routing"),
        "members_url": platform.url("members"),
        "agents_url": platform.url("agents"),
        "callbacks_url": platform.url("callbacks"),
        "surveys_url": platform.url("surveys"),
        "board_refresh_s": 1.0,
        "offer_stream_retry_s": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


def dead_url() -> str:
    """An address where nothing listens."""
    from frontdoor_common.bus.broker import free_port

    return f"http://127.0.0.1:{free_port()}"


class Desk:
    """A signed-in console session driven over HTTP (as htmx would: the CSRF header on every POST)."""

    def __init__(self, base: str, name: str, *, role: str = "agent") -> None:
        self.http = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
        page = self.http.get("/signin")
        staff = dict(_staff_radios(page.text))
        token = _hidden(page.text, "signin_token")
        signed = self.http.post(
            "/signin/dev", data={"agent_id": staff[name], "role": role, "next": "/desk", "signin_token": token}
        )
        assert signed.status_code == 303, signed.text
        self.agent_id = staff[name]
        self.csrf = _csrf(self.http.get("/desk").text)
        chosen = self.http.post("/preferences/language", data={"locale": "en", "csrf_token": self.csrf, "next": "/"})
        assert chosen.status_code == 303  # English: the demo tenant's own language may be another

    def post(self, path: str, data: dict[str, str] | None = None, **headers: str) -> httpx.Response:
        """An htmx POST with this session's CSRF token."""
        sent = {"HX-Request": "true", "X-CSRF-Token": self.csrf, **headers}
        return self.http.post(path, data=data or {}, headers=sent)

    def close(self) -> None:
        """Forget the session."""
        self.http.close()


def _staff_radios(html: str) -> list[tuple[str, str]]:
    import re

    return [
        (name.strip(), agent) for agent, name in re.findall(r'name="agent_id" value="([^"]+)"[^>]*> ([^<(]+)', html)
    ]


def _hidden(html: str, name: str) -> str:
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} in the page"
    return found.group(1)


def _csrf(html: str) -> str:
    import json
    import re

    found = re.search(r"hx-headers='([^']+)'", html)
    assert found, "no hx-headers on the page"
    return str(json.loads(found.group(1).replace("&#34;", '"'))["X-CSRF-Token"])
