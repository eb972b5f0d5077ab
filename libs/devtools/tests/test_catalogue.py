"""`make catalogue`: every event class of the platform, none missing, from a cold start."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import frontdoor_common.events
from frontdoor_common.bus.events import Envelope, Event, event_catalogue, registered_events
from frontdoor_devtools.catalogue import catalogue


def _declared_event_names() -> set[str]:
    """The `name` of every event class written in frontdoor_common/events/*.py, read off the source."""
    names = set()
    for path in Path(frontdoor_common.events.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            for stmt in node.body:
                target: ast.expr | None = None
                value: ast.expr | None = None
                if isinstance(stmt, ast.AnnAssign):
                    target, value = stmt.target, stmt.value
                elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target, value = stmt.targets[0], stmt.value
                if isinstance(target, ast.Name) and target.id == "name" and isinstance(value, ast.Constant):
                    names.add(str(value.value))
    return names


def test_the_catalogue_holds_every_event_of_the_platform() -> None:
    got = catalogue()
    declared = _declared_event_names()
    assert len(declared) > 30
    assert set(got["events"]) == declared
    assert got["envelope"] == Envelope.model_json_schema()
    entry = got["events"]["routing.call.completed"]
    assert entry["topic"] == "frontdoor.routing.v1"
    assert entry["key"] == "subject"
    assert entry["schema"]["type"] == "object"


def test_the_command_prints_it_as_json_in_a_fresh_process() -> None:
    """The events package is imported by the catalogue, not by frontdoor_common.bus.events."""
    out = subprocess.run(
        [sys.executable, "-m", "frontdoor_devtools.catalogue"], check=True, capture_output=True, text=True
    ).stdout
    assert set(json.loads(out)["events"]) == _declared_event_names()


def test_event_catalogue_describes_the_classes_it_is_given() -> None:
    chosen = {n: c for n, c in registered_events().items() if n.startswith("surveys.")}
    assert chosen
    assert set(event_catalogue(chosen)["events"]) == set(chosen)
    assert all(issubclass(c, Event) for c in chosen.values())
