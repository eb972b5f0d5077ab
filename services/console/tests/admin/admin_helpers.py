"""What the administration's tests do again and again."""

from __future__ import annotations

from typing import Any

from console_helpers import Stage, ok, wait_for


def free_digit(api: Stage) -> str:
    """An IVR digit no active queue of the demo tenant uses."""
    taken = {q["ivr_digit"] for q in ok(api.routing.get("/v1/queues")) if q["active"]}
    return next(d for d in "9876543210" if d not in taken)


def agents_know_queue(api: Stage, queue_id: str) -> None:
    """Until the agents service has heard of a queue routing made (it joins queues routing told it of)."""
    wait_for(
        lambda: api.agents.get(f"/v1/queues/{queue_id}/opening-hours").status_code == 200,
        timeout=30,
        what=f"the agents service to know queue {queue_id}",
    )


def submit(page: Any, part: str, button: str) -> int:
    """Click `button` and wait until htmx has put the answer in place of `part` (its id, e.g.
    '#queue-form'); the answer's HTTP status. The old part is marked first, so its messages
    cannot pass for the new ones."""
    page.eval_on_selector(part, "el => { el.dataset.stale = '1'; }")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click(button)
    status = int(info.value.status)
    page.wait_for_selector(f"{part}:not([data-stale])")
    return status
