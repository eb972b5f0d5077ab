"""The adversarial suite's harness: the five services as real uvicorn processes on loopback.

Each service runs as `python -m frontdoor_<name> serve` (the real lifespan: migrations on a
fresh SQLite file, the session's broker, the outbox relay, consumers, background workers),
with its log in a file, so a 5xx's traceback can be read back and reported. A process per
service keeps the server off the test's interpreter (schemathesis generates on one core, the
services answer on the other) and survives whatever a request does to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from frontdoor_common.auth import mint_token
from frontdoor_common.bus.broker import free_port

SERVICES = ("routing", "members", "agents", "callbacks", "surveys")
PREFIX = {name: name.upper() for name in SERVICES}
# Each service's tenant for the fuzzing runs (fixed: runs are reproducible).
FUZZ_TENANT = {name: f"ad000000-0000-4000-8000-00000000000{i}" for i, name in enumerate(SERVICES, start=1)}


# A small valid request per service that takes the database's write lock (tenant's own).
WRITES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "routing": ("POST", "/v1/queues", {"name": "Write check"}),
    "members": ("POST", "/v1/departments", {"code": "WCHK", "name": "Write check"}),
    "agents": ("POST", "/v1/teams", {"name": "Write check"}),
    "callbacks": ("GET", "/v1/callbacks", {}),
    "surveys": ("PATCH", "/v1/survey-policy", {"enabled": True}),
}


def token(tenant: str, scopes: str | list[str] = "all") -> str:
    """A development token for `tenant` (every scope by default)."""
    return mint_token(tenant_id=tenant, scopes=scopes, subject="adversarial")


def bearer(tenant: str, scopes: str | list[str] = "all") -> dict[str, str]:
    """Authorization header for `tenant`."""
    return {"Authorization": f"Bearer {token(tenant, scopes)}"}


def new_tenant() -> str:
    """A fresh tenant id (isolation tests never share one)."""
    return str(uuid.uuid4())


@dataclass
class ServiceProcess:
    """One service as a process on a loopback port."""

    name: str
    workdir: Path
    bootstrap: str | None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    topic_prefix: str = field(default_factory=lambda: f"adv{uuid.uuid4().hex[:8]}.")
    proc: subprocess.Popen[bytes] | None = None
    _log_offset: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        p = PREFIX[self.name]
        # Nothing of the caller's platform leaks in (another helper's `make run` on 8001-8005).
        env = {
            k: v
            for k, v in os.environ.items()
            if not (k.startswith(("FRONTDOOR_", "KAFKA_")) or any(k.startswith(f"{q}_") for q in PREFIX.values()))
        }
        env.update(
            {
                "FRONTDOOR_ENV": "test",
                "FRONTDOOR_VAR_DIR": str(self.workdir / "var"),
                f"{p}_DATABASE_URL": f"sqlite+aiosqlite:///{self.workdir / (self.name + '.sqlite')}",
                f"{p}_TOPIC_PREFIX": self.topic_prefix,
                f"{p}_CONSUMER_SESSION_TIMEOUT_MS": "2000",
                f"{p}_CONSUMER_HEARTBEAT_INTERVAL_MS": "400",
                f"{p}_TOPIC_PARTITIONS": "1",
                f"{p}_OTEL_ENABLED": "false",
                f"{p}_LOG_LEVEL": "WARNING",
                f"{p}_LOG_JSON": "true",
                f"{p}_SEED_DEMO": "false",
                f"{p}_SHUTDOWN_STEP_TIMEOUT_S": "3",
            }
        )
        if self.bootstrap:
            env["KAFKA_BOOTSTRAP_SERVERS"] = self.bootstrap
        env.update(self.extra_env)
        return env

    def start(self) -> ServiceProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "var").mkdir(exist_ok=True)
        self.port = free_port()
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"frontdoor_{self.name}", "serve", "--port", str(self.port)],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        return self

    def wait_started(self, timeout: float = 90.0) -> None:
        """Until /healthz answers (uvicorn serves only after the lifespan started)."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(Exception), urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not start within {timeout}s:\n{self.log_tail()}")
            time.sleep(0.1)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def mark_log(self) -> None:
        """Remember where the log ends; `errors_since_mark` reads what came after."""
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0

    def errors_since_mark(self) -> list[dict[str, Any]]:
        """The unhandled errors the service logged since `mark_log` (path, type, last traceback line)."""
        return unhandled_errors(self.log_path, self._log_offset)


def unhandled_errors(path: Path, offset: int = 0) -> list[dict[str, Any]]:
    """Structured 'unhandled error' records of a service log, each with the traceback's last line."""
    found: list[dict[str, Any]] = []
    if not path.exists():
        return found
    with path.open("rb") as f:
        f.seek(offset)
        for raw in f:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(record, dict) or record.get("level") not in ("error", "critical"):
                continue
            last = _last_line(str(record.get("exception") or ""))
            found.append(
                {
                    "event": record.get("event"),
                    "path": record.get("path") or record.get("route"),
                    "request_id": record.get("request_id"),
                    "error_type": record.get("error_type"),
                    "last_line": last,
                }
            )
    return found


def _last_line(traceback: str) -> str:
    """The exception line of a traceback (not SQLAlchemy's trailing SQL and 'Background' notes)."""
    lines = [line.strip() for line in traceback.splitlines() if line.strip()]
    for line in reversed(lines):
        if re.match(r"^([A-Za-z_]\w*\.)*[A-Za-z_]\w*(Error|Exception|Exit|Interrupt)\b", line):
            return line[:300]
    return lines[-1][:300] if lines else ""


def start_all(workdir: Path, bootstrap: str | None, names: tuple[str, ...] = SERVICES) -> dict[str, ServiceProcess]:
    """Start the services side by side and wait for each."""
    procs = {name: ServiceProcess(name, workdir / name, bootstrap).start() for name in names}
    try:
        for p in procs.values():
            p.wait_started()
    except BaseException:
        for p in procs.values():
            p.stop()
        raise
    return procs


def get_json(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> Any:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


# ---------------------------------------------------------------------------------------------
# schemathesis
# ---------------------------------------------------------------------------------------------

# Lines the session prints at its end (operations and cases per service and phase).
REPORT: list[str] = []

CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance", "content_type_conformance")
PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass
class Finding:
    """One distinct failure: an operation, a check, a status, an example input and the traceback's last line."""

    operation: str
    check: str
    title: str
    status: int | None
    example: str
    last_line: str = ""
    request_id: str | None = None

    def line(self) -> str:
        tail = f" | {self.last_line}" if self.last_line else ""
        return f"{self.operation} | {self.check}: {self.title} | status {self.status} | input {self.example}{tail}"


@dataclass
class FuzzResult:
    service: str
    operations: int
    cases: dict[str, int]
    scenarios: dict[str, int]
    findings: list[Finding]
    errors: list[str]
    seconds: float
    slowest: list[tuple[str, float]] = field(default_factory=list)

    def summary(self) -> str:
        per_phase = ", ".join(f"{ph} {self.cases.get(ph, 0)}" for ph in PHASES)
        return (
            f"{self.service}: {self.operations} operations, {sum(self.cases.values())} cases ({per_phase}), "
            f"{len(self.findings)} distinct failures, {self.seconds:.1f} s"
            + (f"; slowest: {', '.join(f'{label} {t:.1f} s' for label, t in self.slowest)}" if self.slowest else "")
        )


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _case_input(case: Any) -> str:
    parts = []
    if case.path_parameters:
        parts.append(f"path={_short(case.path_parameters, 80)}")
    if case.query:
        parts.append(f"query={_short(case.query, 100)}")
    body = getattr(case, "body", None)
    if body is not None and type(body).__name__ != "NotSet":
        parts.append(f"body={_short(body, 160)}")
    return " ".join(parts) or "(no input)"


def run_schemathesis(
    service: ServiceProcess,
    *,
    tenant: str,
    max_examples: int,
    seed: int = 20261129,
    max_steps: int = 10,
    workers: int = 1,
    unexpected_methods: list[str] | None = None,
) -> FuzzResult:
    """Every operation of `service` through schemathesis' phases (examples, coverage, fuzzing, stateful)."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    config = schemathesis.Config.from_dict(
        {
            "seed": seed,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,  # derandomized: the same cases on every run
                "mode": "all",  # positive and negative data
                "database": "none",
            },
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                "examples": {"enabled": True, "fill-missing": True},
                "coverage": {"enabled": True}
                | ({"unexpected-methods": unexpected_methods} if unexpected_methods is not None else {}),
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": max_steps},
            },
            "headers": {"Authorization": f"Bearer {token(tenant)}"},
            "request-timeout": 30,
            "continue-on-failure": True,  # one failure does not end an operation's scenario
            "operations": [
                # Each valid simulation starts a planner process (about a second): its ~110 valid
                # coverage cases would cost two minutes; fuzzing still sends valid ones, and every
                # invalid coverage case is sent.
                {
                    "include-path": "/v1/staffing/simulate",
                    "phases": {"coverage": {"generation": {"mode": "negative"}}},
                }
            ],
            "workers": workers,
        }
    )
    started = time.monotonic()
    service.mark_log()
    schema = schemathesis.openapi.from_url(f"{service.base_url}/openapi.json", config=config)
    schema.config.base_url = service.base_url
    operations = sum(1 for op in schema.get_all_operations() if op.ok())
    cases: dict[str, int] = {}
    scenarios: dict[str, int] = {}
    findings: dict[tuple[str, str, str, int | None], Finding] = {}
    errors: list[str] = []
    elapsed: dict[str, float] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            phase = event.phase.value
            label = event.label or "stateful"
            elapsed[label] = elapsed.get(label, 0.0) + event.elapsed_time
            scenarios[phase] = scenarios.get(phase, 0) + 1
            cases[phase] = cases.get(phase, 0) + len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    case = event.recorder.cases[case_id].value
                    interaction = event.recorder.interactions.get(case_id)
                    status = interaction.response.status_code if interaction and interaction.response else None
                    label = f"{case.method.upper()} {case.operation.path}"
                    key = (label, check.name, check.failure_info.failure.title, status)
                    if key not in findings:
                        request_id = None
                        if interaction and interaction.response:
                            values = interaction.response.headers.get("x-request-id") or [None]
                            request_id = values[0] if isinstance(values, list) else values
                        title = check.failure_info.failure.title
                        findings[key] = Finding(label, check.name, title, status, _case_input(case), "", request_id)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title}: {_short(event.info.message, 300)}")
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    # The traceback's last line of each 5xx, from the service's log (by path).
    logged = service.errors_since_mark()
    for f in findings.values():
        if f.status is not None and f.status >= 500:
            template = f.operation.split(" ", 1)[1]
            same = [r for r in logged if f.request_id and r.get("request_id") == f.request_id]
            near = [r for r in logged if _path_matches(template, str(r.get("path") or ""))]
            if same or near:
                f.last_line = (same or near)[0]["last_line"]
    result = FuzzResult(
        service=service.name,
        operations=operations,
        cases=cases,
        scenarios=scenarios,
        findings=sorted(findings.values(), key=lambda f: (f.operation, f.check, f.status or 0)),
        errors=errors,
        seconds=time.monotonic() - started,
        slowest=sorted(elapsed.items(), key=lambda kv: -kv[1])[:3],
    )
    REPORT.append(result.summary())
    return result


def _path_matches(template: str, path: str) -> bool:
    t, p = template.strip("/").split("/"), path.strip("/").split("/")
    return len(t) == len(p) and all(a == b or a.startswith("{") for a, b in zip(t, p, strict=True))
