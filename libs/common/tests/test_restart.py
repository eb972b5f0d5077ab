"""Crash recovery as a real process: SIGKILL a service, start it again, time its API and readiness.

Issue 19 ("twenty seconds of deafness after a crash"): the lifespan waited for the consumer
group to take the new instance in, and the broker waits for the killed instance's session to
expire first, so the API stayed closed all that time. Now the API opens once the database is
ready and the consumers join in the background (/readyz says "degraded" meanwhile), and the
new process takes the killed one's member out of the group, so the join does not wait.

Run with `-s` to see the figures.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from frontdoor_common.bus.broker import free_port

# 15 s: long enough that waiting for the dead session would show against start-up time.
SESSION_TIMEOUT_MS = int(os.environ.get("RESTART_TEST_SESSION_TIMEOUT_MS", "15000"))


def _get(url: str) -> tuple[int | None, Any]:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
    except Exception:
        return None, None


class ServiceProcess:
    """`python -m frontdoor_surveys serve` on a port, SQLite under `var`, on the test's broker."""

    def __init__(self, var: Path, bootstrap: str, prefix: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "FRONTDOOR_ENV": "test",
            "FRONTDOOR_VAR_DIR": str(var),
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "SURVEYS_PORT": str(self.port),
            "SURVEYS_TOPIC_PREFIX": prefix,
            "SURVEYS_TOPIC_PARTITIONS": "2",
            "SURVEYS_OTEL_ENABLED": "false",
            "SURVEYS_LOG_LEVEL": "WARNING",
            "SURVEYS_CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
        }
        self.log = var / "surveys.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start; returns the monotonic start time."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "frontdoor_surveys", "serve"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return time.monotonic()

    def kill(self) -> None:
        """SIGKILL, as the chaos test and the OOM killer do."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def timeline(self, since: float, timeout: float = 90.0) -> dict[str, Any]:
        """Seconds from `since` to the API's first answer and to /readyz `ready` (consumers joined),
        and what /readyz said first."""
        api = ready = None
        first_readyz: Any = None
        deadline = since + timeout
        while ready is None and time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
            if api is None and _get(f"{self.base}/healthz")[0] == 200:
                api = time.monotonic() - since
                first_readyz = _get(f"{self.base}/readyz")
            if api is not None:
                status, body = _get(f"{self.base}/readyz")
                if status == 200 and body["readiness"] == "ready":
                    ready = time.monotonic() - since
            time.sleep(0.05)
        return {"api": api, "ready": ready, "first_readyz": first_readyz}


@pytest.mark.slow
def test_after_a_sigkill_the_api_answers_before_the_old_consumer_session_expires(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    service = ServiceProcess(tmp_path / "var", kafka_bootstrap, topic_prefix)
    try:
        cold = service.timeline(service.start())
        assert cold["ready"] is not None, service.log.read_text()[-3000:]
        service.kill()
        killed = time.monotonic()
        service.start()
        warm = service.timeline(killed)
        print(
            f"\nsurveys, consumer session timeout {SESSION_TIMEOUT_MS / 1000:.0f} s: "
            f"cold start: API {cold['api']:.1f} s, ready {cold['ready']:.1f} s; "
            f"SIGKILL -> API {warm['api']:.1f} s, -> ready {warm['ready'] or float('nan'):.1f} s"
        )
        assert warm["api"] is not None
        # The API did not wait for the consumers: when it first answered, they were still joining,
        # and readiness said so without taking the instance out of service (degraded, 200) ...
        status, body = warm["first_readyz"]
        assert status == 200, body
        assert body["readiness"] == "degraded", body
        assert {c["state"] for c in body["checks"]["consumers"].values()} == {"starting"}
        # ... it answered before the killed instance's session could have expired ...
        assert warm["api"] < SESSION_TIMEOUT_MS / 1000
        # ... and the consumers did not wait for that either: the new process said goodbye for the
        # killed one (LeaveGroup with the member id it wrote down), so the group formed without
        # waiting for the session to expire (the local broker then takes half of it to form a group).
        assert warm["ready"] is not None, service.log.read_text()[-3000:]
        assert warm["ready"] - warm["api"] < SESSION_TIMEOUT_MS / 1000
    finally:
        service.kill()
