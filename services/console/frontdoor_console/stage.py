"""The demo platform on a stage: started as `make run` starts it, arranged for a scene.

Used by the screenshots (`python -m frontdoor_console.screenshots`), the benchmark
(`python -m frontdoor_console.bench`) and the console's browser tests: the broker, the five
services and the console as processes on free ports (`frontdoor_common.launcher.Platform`),
the demo tenant open around the clock, exactly the wanted staff available, calls posted as a
CTI posts them, and the development sign-in done as a person does it. Members' mail to the
departments goes to a local SMTP server (aiosmtpd, as `make run` runs it) that keeps what it
receives under `var/mail/new/` (`Stage.mails()` reads it back).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.message
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from frontdoor_common.bus.broker import _die_with_parent, free_port
from frontdoor_common.clock import SystemClock
from frontdoor_common.launcher import Platform

SERVICES = ("routing", "members", "agents", "callbacks", "surveys", "console")
INVOICES = "0000000a-0000-4000-8000-000000000001"
WAGES = "0000000a-0000-4000-8000-000000000002"
OTHER = "0000000a-0000-4000-8000-000000000003"
MEMBER_NUMBER = "+4741234567"  # the demo member Ingrid Solbakken (1000017)
MEMBER_NATIONAL_ID = "15038510190"  # hers, as the members service's demo seed makes it
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CHROMIUM = Path("/usr/bin/chromium")

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], *, timeout: float = 20.0, interval: float = 0.05, what: str = "") -> T:
    """Poll `check` until it returns something truthy; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what or check}")
        time.sleep(interval)


def ok(response: httpx.Response, *codes: int) -> Any:
    """The JSON of an expected answer (AssertionError naming the request otherwise)."""
    if response.status_code not in (codes or (200, 201, 204)):
        raise AssertionError(
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
    return response.json() if response.content else None


@dataclass
class Stage:
    """A running platform and API clients with the demo tenant's all-scope development token."""

    var: Path
    ports: dict[str, int]
    bootstrap: str
    token: str
    clients: dict[str, httpx.Client] = field(default_factory=dict)
    intake_port: int = 0  # members' SMTP intake (mail to a tenant's mailbox becomes a message)

    def url(self, service: str) -> str:
        """Where a service listens."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def __getattr__(self, name: str) -> httpx.Client:
        if name in SERVICES and name in self.clients:
            return self.clients[name]
        raise AttributeError(name)

    def open_around_the_clock(self) -> None:
        """Open the demo tenant every day, all day (Oslo time; a country without a holiday today)."""
        import holidays

        today = SystemClock().now().date()
        # Neither today nor tomorrow (a run may cross midnight) is a holiday there.
        country = next(
            c
            for c in ("NO", "DK", "NL", "SE", "FI")
            if today not in (days_off := holidays.country_holidays(c)) and today + timedelta(days=1) not in days_off
        )
        ok(
            self.clients["agents"].put(
                "/v1/settings",
                json={
                    "timezone": "Europe/Oslo",
                    "country": country,
                    "opening_hours": [{"days": EVERY_DAY, "start": "00:00", "end": "23:59:59"}],
                },
            )
        )
        for queue in ok(self.clients["routing"].get("/v1/queues")):
            ok(self.clients["routing"].patch(f"/v1/queues/{queue['id']}", json={"wrapup_seconds": 0}))
        wait_for(
            lambda: all(q["open_now"] for q in ok(self.clients["routing"].get("/v1/queues"))),
            timeout=30,
            what="the demo tenant's queues to open",
        )

    def people(self) -> dict[str, str]:
        """The demo staff's agent ids by first name."""
        return {a["name"].split()[0]: a["id"] for a in ok(self.clients["agents"].get("/v1/agents"))}

    def settle(self) -> None:
        """Until nobody is on a call or in wrap-up (the agents service caught up with routing)."""
        wait_for(
            lambda: all(
                a["presence"] not in ("on_call", "wrap_up") for a in ok(self.clients["agents"].get("/v1/presence"))
            ),
            timeout=30,
            what="everyone off the phone",
        )

    def only_available(self, *names: str, queue: str | None = None) -> dict[str, str]:
        """Exactly these people available (everyone else away); with `queue`, until routing sees it.

        With a queue, everyone goes away first and routing must count nobody free there before the
        named go available: a count that merely happens to match (the wrong person still free,
        the right one not yet) cannot pass for the wanted state.
        """
        self.settle()
        staff = self.people()

        def free_in_queue() -> int:
            stats = ok(self.clients["routing"].get(f"/v1/queues/{queue}/stats"))
            return int(stats["agents"]["available"])

        for name, agent in staff.items():
            if name not in names or queue is not None:
                body = {"presence": "away", "reason": "meeting"}
                ok(self.clients["agents"].put(f"/v1/agents/{agent}/presence", json=body))
        if queue is not None:
            wait_for(lambda: free_in_queue() == 0 or None, what=f"nobody free in routing's queue {queue}")
        for name in names:
            ok(self.clients["agents"].put(f"/v1/agents/{staff[name]}/presence", json={"presence": "available"}))
        if queue is not None and names:
            wait_for(lambda: free_in_queue() == len(names), what=f"{names} available in routing")
        return staff

    def post_call(self, digit: str, number: str | None = MEMBER_NUMBER) -> dict[str, Any]:
        """A call as the CTI posts it."""
        body = {"cti_call_id": uuid.uuid4().hex, "caller_number": number, "ivr_digit": digit}
        return dict(ok(self.clients["routing"].post("/v1/calls", json=body), 201))

    def end_call(self, call_id: str) -> None:
        """Nothing left of the call: abandoned if it waits, completed if answered."""
        state = ok(self.clients["routing"].get(f"/v1/calls/{call_id}"))["call"]["state"]
        if state in ("arrived", "queued", "offered"):
            self.clients["routing"].post(f"/v1/calls/{call_id}/abandon")
        elif state in ("answered", "wrap_up"):
            self.clients["routing"].post(
                f"/v1/calls/{call_id}/complete", json={"resolution": "resolved", "contact_reason": "other"}
            )

    def mails(self) -> list[email.message.Message]:
        """Every mail the stage's SMTP server has received so far (its Maildir's new ones)."""
        arrived = self.var / "mail" / "new"
        if not arrived.is_dir():
            return []
        return [email.message_from_bytes(f.read_bytes()) for f in sorted(arrived.iterdir()) if f.is_file()]

    def deliver(self, mail: email.message.EmailMessage) -> None:
        """Send a mail to members' SMTP intake (a real SMTP conversation, with aiosmtplib)."""
        import aiosmtplib

        async def send() -> None:
            await aiosmtplib.send(mail, hostname="127.0.0.1", port=self.intake_port, timeout=20)

        # in a thread of its own: Playwright's sync API keeps an event loop running in this one
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, send()).result()

    def close(self) -> None:
        """Close the clients."""
        for client in self.clients.values():
            client.close()


@contextlib.contextmanager
def staged(var: Path, *, extra_env: dict[str, str] | None = None) -> Iterator[Stage]:
    """The platform with the console, started on free ports under `var`, open around the clock."""
    ports = {name: free_port() for name in SERVICES}
    saved = os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    var.mkdir(parents=True, exist_ok=True)
    smtp_port = free_port()
    smtp = _mail_server(var, smtp_port)
    env = {
        "FRONTDOOR_ENV": "test",
        "ROUTING_KNOWN_AGENT_PREFERENCE_SECONDS": "0",
        "MEMBERS_SMTP_HOST": "127.0.0.1",
        "MEMBERS_SMTP_PORT": str(smtp_port),
        "MEMBERS_MAIL_SEND_INTERVAL_S": "0.5",
        "MEMBERS_MAIL_RETRY_BACKOFF_S": "1",
        "MEMBERS_FOLLOWUP_CHECK_INTERVAL_S": "1",
        # members' mail intake on a port of its own: another platform running beside (a second test
        # run, `make run`) may hold the default one, and members would not start
        "MEMBERS_INTAKE_SMTP_PORT": str(free_port()),
        **(extra_env or {}),
    }
    intake_port = int(env["MEMBERS_INTAKE_SMTP_PORT"])
    platform = Platform(var, broker_port=free_port(), ports=ports, extra_env=env)
    try:
        try:
            platform.start()
        except Exception:
            for name in SERVICES:
                log = var / f"{name}.log"
                if log.exists():
                    print(f"--- {name}.log ---\n{log.read_text()[-3000:]}")
            raise
        token = (var / "dev-token.txt").read_text().strip()
        stage = Stage(var=var, ports=ports, bootstrap=platform.bootstrap, token=token, intake_port=intake_port)
        stage.clients = {
            name: httpx.Client(base_url=stage.url(name), headers={"Authorization": f"Bearer {token}"}, timeout=30)
            for name in SERVICES
        }
        try:
            stage.open_around_the_clock()
            yield stage
        finally:
            stage.close()
    finally:
        platform.stop()
        smtp.terminate()
        try:
            smtp.wait(5)
        except subprocess.TimeoutExpired:
            smtp.kill()
            smtp.wait()
        if saved is not None:
            os.environ["KAFKA_BOOTSTRAP_SERVERS"] = saved


def _mail_server(var: Path, port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd on loopback keeping each mail as a file under `var/mail/new/`, as `make run` runs it
    (the launcher starts its own only in development; the stage runs as `test`)."""
    log = open(var / "mail.log", "ab")  # noqa: SIM115 - the child owns it
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "-c", "aiosmtpd.handlers.Mailbox", str(var / "mail")],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    wait_for(lambda: _listening(port), timeout=20, what="the stage's SMTP server")
    return server


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def until(page: Any, script: str, *, timeout: float = 15.0) -> None:
    """Until `script` is true in the page. (Playwright's wait_for_function evaluates a string,
    which the console's content security policy forbids; page.evaluate is not subject to it.)
    A page in the middle of navigating has no document to ask yet: that is "not yet", not an
    error (a language switch reloads the page while this waits for its new language)."""

    def check() -> Any:
        try:
            return page.evaluate(script)
        except Exception as exc:
            if any(sign in str(exc) for sign in NAVIGATING):
                return None
            raise

    wait_for(check, timeout=timeout, what=script)


# What Playwright says when the page it evaluates in is being replaced by the next one.
NAVIGATING = ("Execution context was destroyed", "Cannot read properties of null", "navigation")


def sign_in(
    page: Any, base: str, name: str, *, role: str = "agent", start: str = "/desk", language: str | None = "en"
) -> None:
    """The development sign-in as a person does it; then the language (None: leave the default)."""
    page.goto(base + start)
    for attempt in range(3):
        # the sign-in page lists the staff from the agents service; a page drawn while agents was slow
        # to answer (a loaded machine) lists nobody: load it again, as a person would
        if page.get_by_label(name).count() or attempt == 2:
            break
        page.wait_for_timeout(2000)
        page.reload()
    page.get_by_label(name).check()
    page.select_option("#role", role)
    page.click("form[action='/signin/dev'] button[type=submit]")
    page.wait_for_load_state()
    if language is not None and page.get_attribute("html", "lang") != language:
        page.select_option("#language-choice", language)
        page.click("form.language button[type=submit]")
        until(page, f"document.documentElement.lang === '{language}'")
