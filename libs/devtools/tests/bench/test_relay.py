"""`make bench-relay` at its smallest: the benchmark still runs against the real relay and broker."""

from __future__ import annotations

from pathlib import Path

from frontdoor_devtools.bench.relay import run


async def test_the_relay_benchmark_measures_throughput_and_latency(kafka_bootstrap: str, tmp_path: Path) -> None:
    result = await run(f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}", kafka_bootstrap, events=50, latency_events=5)
    assert result["engine"] == "sqlite"
    assert result["events"] == 50
    assert result["throughput_events_per_s"] > 0
    assert 0 < result["publish_p50_ms"] <= result["publish_p99_ms"]
