"""The platform's processes for the chaos test: each can be killed with SIGKILL and started again.

Started as `make run` starts them (the same environment as `frontdoor_common.launcher.Platform`),
but one by one, so that a single service, or the broker, can be killed and restarted in place.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import LocalBroker, _die_with_parent, free_port
from frontdoor_common.launcher import service_urls
from frontdoor_common.settings import DEMO_TENANT_ID

SERVICES = ("routing", "members", "agents", "callbacks", "surveys")


class ChaosPlatform:
    """The broker and the five services as processes on SQLite files under `var`."""

    def __init__(self, var: Path, extra_env: dict[str, str] | None = None) -> None:
        self.var = var
        self.ports = {name: free_port() for name in SERVICES}
        self.broker = LocalBroker(port=free_port(), log_path=var / "broker.log")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        # Seconds from spawn to /readyz 200 at the first start (all five at once): the baseline
        # the recovery after a SIGKILL is measured against, on this machine, in this run.
        self.cold_start: dict[str, float] = {}
        self.extra_env = extra_env or {}
        self.token = ""

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
        env.update(self.extra_env)
        env["KAFKA_BOOTSTRAP_SERVERS"] = self.bootstrap
        env["FRONTDOOR_VAR_DIR"] = str(self.var)
        for name, url in service_urls(self.ports).items():
            env[f"FRONTDOOR_{name.upper()}_URL"] = url
        for name, port in self.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
            env[f"{name.upper()}_SEED_DEMO"] = "true"  # as make run: a second start changes nothing
        return env

    def start(self, timeout: float = 120.0) -> None:
        self.var.mkdir(parents=True, exist_ok=True)
        self.broker.start()
        self.token = mint_token(tenant_id=DEMO_TENANT_ID, scopes="all", subject="chaos")
        (self.var / "dev-token.txt").write_text(self.token + "\n")
        spawned = time.monotonic()
        for name in SERVICES:
            self.spawn(name)
        deadline = time.monotonic() + timeout
        for name in SERVICES:
            while not self.ready(name):
                proc = self.processes[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.var / (name + '.log')}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready after {timeout}s")
                time.sleep(0.2)
            self.cold_start[name] = time.monotonic() - spawned

    def spawn(self, name: str) -> None:
        with open(self.var / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"frontdoor_{name}", "serve"],
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )

    def kill(self, name: str) -> float:
        """SIGKILL the service (or 'broker'); returns the monotonic time of the kill."""
        proc = self.broker.process if name == "broker" else self.processes[name]
        assert proc is not None and proc.poll() is None, f"{name} is not running"
        at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if name == "broker":
            self.broker.process = None
        return at

    def restart_broker(self) -> None:
        """A new broker on the same port: empty, with a new cluster id."""
        if self.broker._log is not None:
            self.broker._log.close()
            self.broker._log = None
        deadline = time.monotonic() + 30
        while True:
            try:
                self.broker.start()
                return
            except (RuntimeError, TimeoutError):  # the port may linger a moment after a kill
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def ready(self, name: str) -> bool:
        return self.http_status(name, "/readyz") == 200

    def http_status(self, name: str, path: str, timeout: float = 2.0) -> int | None:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports[name]}{path}", headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)
        except Exception:
            return None

    def alive(self) -> dict[str, bool]:
        out = {name: p.poll() is None for name, p in self.processes.items()}
        out["broker"] = self.broker.process is not None and self.broker.process.poll() is None
        return out

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()
        with contextlib.suppress(Exception):
            self.broker.stop()
