"""The adversarial suite: the five services as processes on the session's broker.

Every test here is marked `adversarial` (and runs in the default `make test`). The services
are started once for the suite (each on a fresh SQLite file, its own topics); every test uses
tenants of its own, so tests never see each other's data.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent


def _load(name: str, file: str) -> Any:
    # The suite's helpers, importable by the test modules as `adversarial_<name>`.
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _HERE / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


harness = _load("adversarial_harness", "harness.py")
worlds = _load("adversarial_worlds", "worlds.py")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "adversarial: the adversarial suite (schemathesis, tenant isolation, PATCH null, request size)"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = harness.REPORT
    if lines:
        terminalreporter.section("adversarial: operations and generated cases")
        for line in lines:
            terminalreporter.write_line(line)


_RUNNING: dict[str, Any] = {}


@pytest.fixture(scope="session")
def services(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The five services as processes (started side by side), by name; stopped after this directory's last test."""
    procs = harness.start_all(tmp_path_factory.mktemp("adversarial"), kafka_bootstrap)
    _RUNNING.update(procs)
    try:
        yield procs
    finally:
        _stop_services()


def _stop_services() -> None:
    for p in _RUNNING.values():
        p.stop()
    _RUNNING.clear()


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # The rest of `make test` should not share the machine with five idle services.
    if not _RUNNING:
        return
    items = item.session.items
    later = items[items.index(item) + 1 :] if item in items else []
    if not any(Path(str(i.path)).resolve().parent == _HERE for i in later):
        _stop_services()
