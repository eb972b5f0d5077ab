"""Session fixtures: the staged platform (broker, five services, the console), Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from frontdoor_console.stage import CHROMIUM, Stage, staged


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """The broker, the five services and the console as processes on SQLite (as `make run`),
    the demo tenant loaded and open around the clock."""
    with staged(tmp_path_factory.mktemp("console-platform")) as stage:
        yield stage


@pytest.fixture(scope="session")
def api(platform: Stage) -> Stage:
    """The stage: clients to each service (`api.routing` ...) with the demo tenant's token."""
    return platform


@pytest.fixture(scope="session")
def console(platform: Stage) -> str:
    """The platform's console (the process `make run` starts)."""
    return platform.url("console")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright (skips where it is not installed: `make browser`).

    Per module, not per session: Playwright's sync API runs an event loop in this thread while
    it is open, and every asyncio test collected after the console's would then fail with
    "Runner.run() cannot be called from a running event loop" (it did, in the whole suite)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield chromium
        finally:
            chromium.close()
