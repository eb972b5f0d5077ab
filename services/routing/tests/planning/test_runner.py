"""The planner's child processes: forked by a fork server with the simulator loaded, killed past their budget."""

from __future__ import annotations

import os
import sys

import pytest

from frontdoor_common.errors import InvalidInput
from frontdoor_routing.planning import runner


def _preloaded() -> bool:
    return "frontdoor_routing.planning.schemas" in sys.modules


async def test_a_simulation_child_comes_from_the_fork_server_with_the_simulator_loaded() -> None:
    # Its parent is the fork server, not this process (a spawned child's parent would be us) ...
    assert await runner.in_process(os.getppid, budget_s=30) != os.getpid()
    # ... and it finds the simulator imported before it was asked anything (`_preloaded` lives in
    # this test module, which the child imports by name: pytest's sys.path shows it there).
    assert await runner.in_process(_preloaded, budget_s=30)


async def test_a_child_past_its_budget_is_refused_and_the_next_one_runs() -> None:
    with pytest.raises(InvalidInput) as refused:
        await runner.in_process(_sleep_forever, budget_s=0.5)
    assert refused.value.error_id == "planning_budget_exceeded"
    assert await runner.in_process(os.getpid, budget_s=30) != os.getpid()


def _sleep_forever() -> None:
    import time

    while True:
        time.sleep(1)
