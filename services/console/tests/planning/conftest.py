"""The planning tests' fixtures: a supervisor's browser page on the planning page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from console_helpers import sign_in


@pytest.fixture
def planner_page(browser: Any, console: str) -> Iterator[Any]:
    """A supervisor (Kari Nordmann, in English) on /planning; the page's script errors collected
    in `page.script_errors` (a content security policy refusal among them)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.script_errors = errors
    try:
        sign_in(page, console, "Kari Nordmann", role="supervisor", start="/planning")
        assert page.url.endswith("/planning")
        yield page
    finally:
        context.close()
