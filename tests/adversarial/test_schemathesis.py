"""Schemathesis over every operation of the five services: examples, coverage, fuzzing and stateful.

Positive and negative data, with the checks that no answer is a 5xx, every status is declared,
and every response matches its declared schema and content type. Seeded and derandomized, so a
run is reproducible; bounded per operation so the whole suite stays within a few minutes.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from adversarial_harness import FUZZ_TENANT, SERVICES, WRITES, bearer, new_tenant, run_schemathesis

pytestmark = [pytest.mark.adversarial, pytest.mark.slow]

# Examples per operation and phase (hypothesis' max_examples): enough to reach past validation
# into the handlers, small enough for 2 cores (the five services in well under 2 minutes).
MAX_EXAMPLES = 10
# Longer than the services' SQLite lock wait (30 s): a lock left behind by the run shows as the write's
# 503 database_busy, not as this client giving up first.
WRITE_TIMEOUT_S = 60.0


@pytest.mark.parametrize("name", SERVICES)
def test_schemathesis_finds_no_server_error_and_no_undeclared_answer(name: str, services: dict[str, Any]) -> None:
    service = services[name]
    result = run_schemathesis(service, tenant=FUZZ_TENANT[name], max_examples=MAX_EXAMPLES)
    print(result.summary())
    for phase in ("coverage", "fuzzing", "stateful"):
        assert result.cases.get(phase, 0) > 0, f"{name}: the {phase} phase generated no case ({result.summary()})"
    assert service.alive(), f"{name} died under the run:\n{service.log_tail()}"
    lines = [f.line() for f in result.findings] + [f"engine: {e}" for e in result.errors]
    if result.errors:  # a timeout or a dropped connection: what the service logged meanwhile
        lines += [f"log: {r}" for r in service.errors_since_mark()[:10]]
    assert not lines, f"{len(result.findings)} distinct failures in {name}:\n" + "\n".join(lines)
    # Whatever the run did, the service still writes (no lock or connection left behind: either would
    # make this write wait out the lock wait and answer 503).
    method, path, body = WRITES[name]
    started = time.perf_counter()
    r = httpx.request(
        method, service.base_url + path, json=body or None, headers=bearer(new_tenant()), timeout=WRITE_TIMEOUT_S
    )
    took = time.perf_counter() - started
    print(f"after the run: {method} {path} {r.status_code} in {took:.2f} s")
    assert r.status_code < 300, f"after the run: {method} {path} {r.status_code} in {took:.1f} s: {r.text[:300]}"
