"""The intake of the members process itself (`python -m frontdoor_members serve`, as `make run` starts
it with MEMBERS_INTAKE_SMTP_PORT): a mail sent to its port is stored before the 250, so a SIGKILL
right after loses nothing; the same mail delivered again after the restart is kept once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from frontdoor_common.bus.broker import free_port
from frontdoor_members.testing import headers

from .conftest import MAILBOX, mail, send


class MembersProcess:
    """The members service as a process on SQLite under `var`, on the test's broker."""

    def __init__(self, var: Path, bootstrap: str, prefix: str) -> None:
        self.port, self.intake = free_port(), free_port()
        self.env = {
            **os.environ,
            "FRONTDOOR_ENV": "test",
            "FRONTDOOR_VAR_DIR": str(var),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "MEMBERS_PORT": str(self.port),
            "MEMBERS_TOPIC_PREFIX": prefix,
            "MEMBERS_TOPIC_PARTITIONS": "2",
            "MEMBERS_OTEL_ENABLED": "false",
            "MEMBERS_LOG_LEVEL": "WARNING",
            "MEMBERS_INTAKE_SMTP_PORT": str(self.intake),
        }
        self.log = var / "members.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until the API answers and the intake listens."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "frontdoor_members", "serve"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 90
        while self.call("GET", "/readyz")[0] not in (200,):
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, self.log.read_text()[-3000:]
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int | None, Any]:
        """A request to the API with a token of the test tenant."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        for key, value in {**headers(), "content-type": "application/json"}.items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, None
        except OSError:
            return None, None


@pytest.mark.slow
async def test_a_mail_answered_250_by_the_members_process_survives_a_sigkill_and_is_kept_once(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    members = MembersProcess(tmp_path / "var", kafka_bootstrap, topic_prefix)
    try:
        members.start()
        assert members.call("PUT", "/v1/mailboxes/kontakt", {"address": MAILBOX})[0] == 201
        started = time.perf_counter()
        await send(members.intake, mail())
        elapsed = time.perf_counter() - started
        members.kill()  # at once after the 250
        members.start()
        status, listed = members.call("GET", "/v1/messages")
        assert status == 200 and [m["subject"] for m in listed] == ["Question about my dues"]
        await send(members.intake, mail())  # the sender delivers it again
        assert len(members.call("GET", "/v1/messages")[1]) == 1
        print(f"\nintake: one mail sent and stored before the 250 in {elapsed * 1000:.1f} ms")
    finally:
        members.kill()
