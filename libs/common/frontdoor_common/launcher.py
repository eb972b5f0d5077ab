"""`make run`: the broker, the five services and the console on the embedded defaults.

Starts the local Kafka-protocol broker (unless KAFKA_BOOTSTRAP_SERVERS names one), a local
SMTP server that keeps every mail it receives under var/mail/ (unless MEMBERS_SMTP_HOST names
a relay), then each service as its own process on SQLite files under var/; each applies its
migrations and loads the demo tenant (idempotently). Writes a development token to
var/dev-token.txt. Ctrl-C stops everything it started, the broker last.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import LocalBroker, _die_with_parent, free_port
from frontdoor_common.settings import DEMO_TENANT_ID

SERVICES = {"routing": 8001, "members": 8002, "agents": 8003, "callbacks": 8004, "surveys": 8005, "console": 8006}
SMTP_PORT = 8025  # the local mail server's port when free (else any free one)


def service_urls(ports: dict[str, int] | None = None) -> dict[str, str]:
    """Where each service listens locally (passed to the others)."""
    return {name: f"http://127.0.0.1:{port}" for name, port in (ports or SERVICES).items()}


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def ready_timeout() -> float:
    """How long `make run` waits for the services: FRONTDOOR_READY_TIMEOUT_S, default 90 s."""
    return float(os.environ.get("FRONTDOOR_READY_TIMEOUT_S") or 90)


def readiness(port: int) -> tuple[bool, str]:
    """Whether the service on `port` is ready, and if not, why (from its /readyz)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
            return r.status == 200, ""
    except urllib.error.HTTPError as e:
        try:
            body = json.loads(e.read() or b"{}")
        except ValueError:
            return False, f"HTTP {e.code}"
        return False, str(body.get("detail") or body.get("checks") or f"HTTP {e.code}")
    except OSError as e:
        return False, f"no answer ({type(e).__name__})"


class Platform:
    """The processes of a running platform."""

    def __init__(
        self,
        var_dir: Path,
        *,
        broker_port: int = 19092,
        smtp_port: int = SMTP_PORT,
        seed: bool = True,
        extra_env: dict[str, str] | None = None,
        ports: dict[str, int] | None = None,
    ) -> None:
        self.var_dir = var_dir
        self.ports = ports or dict(SERVICES)
        self.broker_port = broker_port
        self.seed = seed
        self.extra_env = extra_env or {}
        self.broker: LocalBroker | None = None
        self.smtp_port = smtp_port
        self.smtp: subprocess.Popen[bytes] | None = None
        self.bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        """Start the broker (if needed) and every service; wait until each is ready."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.bootstrap:
            port = self.broker_port if _port_free(self.broker_port) else None
            self.broker = LocalBroker(port=port, log_path=self.var_dir / "broker.log").start()
            self.bootstrap = self.broker.bootstrap
            print(f"broker    Kafka protocol on {self.bootstrap} (Tansu, memory storage)", flush=True)
        token = mint_token(tenant_id=DEMO_TENANT_ID, scopes="all", subject="dev")
        (self.var_dir / "dev-token.txt").write_text(token + "\n")
        env = dict(os.environ)
        env.update(self.extra_env)
        env["KAFKA_BOOTSTRAP_SERVERS"] = self.bootstrap
        env["FRONTDOOR_VAR_DIR"] = str(self.var_dir)
        self._start_mail_server(env)
        env.setdefault("MEMBERS_INTAKE_SMTP_PORT", str(8026 if _port_free(8026) else free_port()))  # members' intake
        for name, url in service_urls(self.ports).items():
            env[f"FRONTDOOR_{name.upper()}_URL"] = url
        for name, port in self.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
            env[f"{name.upper()}_SEED_DEMO"] = "true" if self.seed else "false"
            log = open(self.var_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"frontdoor_{name}", "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        self.wait_ready()

    def _start_mail_server(self, env: dict[str, str]) -> None:
        """In development without a relay (MEMBERS_SMTP_HOST), run aiosmtpd on loopback, keeping each
        mail it receives as a file under var/mail/new/ (a Maildir), and point members at it."""
        if env.get("MEMBERS_SMTP_HOST") or env.get("FRONTDOOR_ENV", "development") != "development":
            return
        port = self.smtp_port if _port_free(self.smtp_port) else free_port()
        maildir = self.var_dir / "mail"
        log = open(self.var_dir / "mail.log", "ab")  # noqa: SIM115 - the child owns it
        self.smtp = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        env["MEMBERS_SMTP_HOST"] = "127.0.0.1"
        env["MEMBERS_SMTP_PORT"] = str(port)
        print(f"mail      SMTP on 127.0.0.1:{port}; what it receives is kept under {maildir}/new", flush=True)

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until every service's /readyz says ready (FRONTDOOR_READY_TIMEOUT_S, default 90 s).

        When one is not ready in time, the error says which check is failing, from its /readyz.
        """
        timeout = timeout if timeout is not None else ready_timeout()
        deadline = time.monotonic() + timeout
        pending = set(self.ports)
        last: dict[str, str] = {}
        while pending:
            for name in sorted(pending):
                proc = self.processes[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {self.var_dir / (name + '.log')}")
                ready, why = readiness(self.ports[name])
                if ready:
                    pending.discard(name)
                else:
                    last[name] = why
            if pending and time.monotonic() > deadline:
                lines = [f"  {name}: {last.get(name, 'no answer')}" for name in sorted(pending)]
                raise TimeoutError(f"not ready after {timeout:.0f}s (FRONTDOOR_READY_TIMEOUT_S):\n" + "\n".join(lines))
            if pending:
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the services, then the broker; leave no process behind."""
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()
        if self.smtp is not None:
            if self.smtp.poll() is None:
                self.smtp.terminate()
            try:
                self.smtp.wait(5)
            except subprocess.TimeoutExpired:
                self.smtp.kill()
                self.smtp.wait()
            self.smtp = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None


def main(argv: list[str] | None = None) -> int:
    """Run the platform until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Start Frontdoor on its embedded defaults.")
    parser.add_argument("--var-dir", default=os.environ.get("FRONTDOOR_VAR_DIR", "var"))
    parser.add_argument("--no-seed", action="store_true", help="do not load the demo tenant")
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=None,
        help="seconds to wait for readiness (default: FRONTDOOR_READY_TIMEOUT_S or 90)",
    )
    args = parser.parse_args(argv)
    if args.ready_timeout is not None:
        os.environ["FRONTDOOR_READY_TIMEOUT_S"] = str(args.ready_timeout)
    platform = Platform(Path(args.var_dir), seed=not args.no_seed)

    def _stop(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Set both explicitly: a shell starting us in the background ignores SIGINT otherwise.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        platform.start()
        print(f"\nFrontdoor is running (demo tenant {DEMO_TENANT_ID}).", flush=True)
        for name, port in SERVICES.items():
            if name != "console":
                print(f"  {name:<10} http://127.0.0.1:{port}/docs", flush=True)
        print(f"\nThe console: http://127.0.0.1:{SERVICES['console']}/ (sign in as one of the demo staff)", flush=True)
        print(f"\nA development token with every scope is in {Path(args.var_dir) / 'dev-token.txt'}:", flush=True)
        print(
            f'  curl -H "Authorization: Bearer $(cat {Path(args.var_dir) / "dev-token.txt"})" '
            "http://127.0.0.1:8001/v1/queues",
            flush=True,
        )
        print(f"Logs: {Path(args.var_dir)}/*.log. Press Ctrl-C to stop.", flush=True)
        while True:
            for name, proc in platform.processes.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    except Exception as exc:
        print(f"start failed: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        platform.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
