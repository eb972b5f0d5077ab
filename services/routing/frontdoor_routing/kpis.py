"""The KPI definition's old import path, kept for the suites outside the service (tests/e2e,
tests/chaos import `frontdoor_routing.kpis`); it lives in `frontdoor_routing.stats.kpis`.
Delete once they import it from there."""

from frontdoor_routing.stats.kpis import TASK_PREFIX, CallFacts, compute, is_task

__all__ = ["TASK_PREFIX", "CallFacts", "compute", "is_task"]
