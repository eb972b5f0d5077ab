"""`python -m frontdoor_console.bench [--calls 60]`: from the CTI's call to the offer on the desk.

Starts the platform with the console (as `make run`, on free ports), signs one agent in at a
desk in Debian's Chromium and makes them the only one available in a queue. For each call:
the CTI posts it (`POST /v1/calls`); the time until the offer for that call is rendered in the
browser (inserted in the page and painted: a MutationObserver, then the next animation frame)
is the console's figure; the time until the same offer arrives on routing's raw event stream
(`GET /v1/agents/{id}/offers`, read by this process beside the console's own subscription) is
the baseline, measured on the same calls. The caller then hangs up, and the next call comes
once routing sees the agent free again. Prints p50 and p99 of both and their ratio; the last
line is JSON. Both clocks are this machine's wall clock (the page's `performance.timeOrigin +
performance.now()`, this process's `time.time()`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from frontdoor_console.stage import CHROMIUM, WAGES, Stage, ok, sign_in, staged, wait_for

OBSERVER = """() => {
  window.rendered = {};
  new MutationObserver(() => {
    document.querySelectorAll('.offer[data-call-id]').forEach((el) => {
      const id = el.dataset.callId;
      if (!(id in window.rendered)) {
        window.rendered[id] = null;
        requestAnimationFrame(() => { window.rendered[id] = performance.timeOrigin + performance.now(); });
      }
    });
  }).observe(document.getElementById('offer-region'), {childList: true, subtree: true});
}"""


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class RawStream(threading.Thread):
    """Routing's offer stream for the agent, read directly: when each call's offer arrived."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.token = token
        self.arrived: dict[str, float] = {}
        self.connected = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        """Read until the process ends."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            for _ in range(100):  # routing learns of the agent from the agents service's events
                with httpx.stream("GET", self.url, headers=headers, timeout=None) as response:
                    if response.status_code == 404:
                        time.sleep(0.2)
                        continue
                    response.raise_for_status()
                    self._read(response)
                    return
        except Exception as exc:  # the platform stopping at the end is one, and not an error
            self.error = exc
            self.connected.set()

    def _read(self, response: httpx.Response) -> None:
        self.connected.set()
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "offer":
                self.arrived.setdefault(json.loads(line[5:])["call_id"], time.time())

    def seen(self, call_id: str) -> float | None:
        """When the call's offer arrived (or the stream's failure)."""
        if self.error is not None:
            raise RuntimeError(f"routing's offer stream failed: {self.error!r}")
        return self.arrived.get(call_id)


def _both_seen(page: Any, raw: RawStream, call_id: str) -> tuple[float, float]:
    """When the offer for `call_id` was rendered in the page (epoch ms) and came on the raw stream (epoch s)."""

    def in_page() -> float | None:
        found = page.evaluate(f"window.rendered['{call_id}']")
        return float(found) if found else None

    def on_stream() -> float | None:
        return raw.seen(call_id)

    return wait_for(in_page, timeout=30, what="the offer"), wait_for(on_stream, timeout=30, what="the raw offer")


def measure(stage: Stage, browser: Any, calls: int, warmup: int) -> tuple[list[float], list[float]]:
    """(console, raw stream) milliseconds from the CTI's post, per measured call."""
    stage.only_available(queue=WAGES)  # nobody free in the queue until Ingrid says so at her desk
    agent = stage.people()["Ingrid"]
    page = browser.new_context().new_page()
    sign_in(page, stage.url("console"), "Ingrid Bakkevold")
    page.click("#go-available")
    page.wait_for_selector("#my-state.state-available")
    free = lambda: ok(stage.routing.get(f"/v1/queues/{WAGES}/stats"))["agents"]["available"] == 1  # noqa: E731
    wait_for(free, timeout=30, what="routing to see the agent available")
    raw = RawStream(f"{stage.url('routing')}/v1/agents/{agent}/offers", stage.token)
    raw.start()
    raw.connected.wait(10)
    page.wait_for_timeout(500)  # the desk's own stream is open too
    page.evaluate(OBSERVER)
    console_ms: list[float] = []
    raw_ms: list[float] = []
    for n in range(warmup + calls):
        wait_for(free, timeout=30, what="the agent free again")
        posted_at = time.time()
        call_id = stage.post_call("2")["call"]["call_id"]
        rendered, arrived = _both_seen(page, raw, call_id)
        if n >= warmup:
            console_ms.append(rendered - posted_at * 1000)
            raw_ms.append((arrived - posted_at) * 1000)
        ok(stage.routing.post(f"/v1/calls/{call_id}/abandon"))
    return console_ms, raw_ms


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (the last line JSON)."""
    parser = argparse.ArgumentParser(description="CTI call to the offer rendered on the desk, p50 and p99.")
    parser.add_argument("--calls", type=int, default=60, help="calls measured (at least 50 for the figures)")
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print("Debian's Chromium is missing: run `make browser` first", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="frontdoor-bench-") as tmp,
        staged(Path(tmp)) as stage,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            console_ms, raw_ms = measure(stage, browser, args.calls, args.warmup)
        finally:
            browser.close()
    result = {
        "calls": len(console_ms),
        "console_p50_ms": round(percentile(console_ms, 50), 1),
        "console_p99_ms": round(percentile(console_ms, 99), 1),
        "console_mean_ms": round(statistics.fmean(console_ms), 1),
        "raw_sse_p50_ms": round(percentile(raw_ms, 50), 1),
        "raw_sse_p99_ms": round(percentile(raw_ms, 99), 1),
        "ratio_p50": round(percentile(console_ms, 50) / percentile(raw_ms, 50), 2),
        "ratio_p99": round(percentile(console_ms, 99) / percentile(raw_ms, 99), 2),
    }
    print(f"CTI call -> offer rendered on the desk ({result['calls']} calls, Chromium, the platform as processes)")
    print(f"  console (browser):   p50 {result['console_p50_ms']} ms   p99 {result['console_p99_ms']} ms")
    print(f"  routing's raw SSE:   p50 {result['raw_sse_p50_ms']} ms   p99 {result['raw_sse_p99_ms']} ms")
    print(f"  ratio:               p50 {result['ratio_p50']}x   p99 {result['ratio_p99']}x")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
