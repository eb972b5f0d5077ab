"""The pieces every service's composition root is built from: the clock, workers, the notifier."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
from pydantic import BaseModel, ValidationError

from frontdoor_common.clock import Clock, ManualClock, SystemClock
from frontdoor_common.notifier import snapshot
from frontdoor_common.workers import TaskWorker, Worker

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_both_clocks_are_clocks_and_tell_the_same_instant_two_ways() -> None:
    clocks: list[Clock] = [SystemClock(), ManualClock(START)]
    for clock in clocks:
        # time() read between two now()s lies between them (by order, not by how fast the reads are).
        before, seconds, after = clock.now(), clock.time(), clock.now()
        assert before.tzinfo is not None
        assert before.timestamp() <= seconds <= after.timestamp()
    manual = ManualClock(START)
    assert manual.time() == START.timestamp()


def test_a_manual_clock_moves_only_when_told_and_refuses_naive_times() -> None:
    clock = ManualClock(START)
    assert clock.now() == START
    assert clock.advance(minutes=5) == START + timedelta(minutes=5)
    assert clock.advance(timedelta(hours=1)) == START + timedelta(minutes=65)
    assert clock.set(START) == START
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 1, 1))


async def test_a_sleeper_on_a_manual_clock_wakes_when_the_clock_reaches_its_time_or_on_a_wake() -> None:
    clock = ManualClock(START)
    sleeper = asyncio.create_task(clock.sleep_until(START + timedelta(minutes=10)))
    await asyncio.sleep(0.01)
    clock.advance(minutes=5)
    await asyncio.sleep(0.01)
    assert not sleeper.done()  # not there yet
    clock.advance(minutes=5)
    # 10 s: a ceiling for a sleeper that never wakes, not a speed claim (it wakes on the next loop turn).
    await asyncio.wait_for(sleeper, 10)
    wake = asyncio.Event()
    woken = asyncio.create_task(clock.sleep_until(START + timedelta(days=1), wake))
    await asyncio.sleep(0.01)
    wake.set()
    await asyncio.wait_for(woken, 10)


async def test_the_system_clock_sleeps_until_a_moment_or_a_wake() -> None:
    clock = SystemClock()
    moment = clock.now() + timedelta(milliseconds=20)
    await asyncio.wait_for(clock.sleep_until(moment), 10)  # 10 s: a ceiling for a sleeper that never wakes
    assert clock.now() >= moment - timedelta(milliseconds=1)  # not early (give or take the timers' resolution)
    wake = asyncio.Event()
    wake.set()
    await asyncio.wait_for(clock.sleep_until(clock.now() + timedelta(hours=1), wake), 10)  # an hour otherwise


async def test_a_task_worker_is_healthy_until_its_loop_dies_and_stops_when_asked() -> None:
    class Beats(TaskWorker):
        name = "beats"

        def __init__(self, fail: bool) -> None:
            super().__init__()
            self.fail, self.beats = fail, 0

        async def run(self) -> None:
            while True:
                self.beats += 1
                if self.fail and self.beats == 3:
                    raise RuntimeError("boom")
                await asyncio.sleep(0.001)

    steady, failing = Beats(fail=False), Beats(fail=True)
    assert isinstance(steady, Worker)
    assert steady.healthy() and not steady.running  # never started: nothing to be unhealthy about
    await steady.start()
    await failing.start()
    await asyncio.sleep(0.05)
    assert steady.healthy() and steady.running
    assert not failing.healthy()
    await steady.stop()
    await failing.stop()
    assert not steady.running


class Snap(BaseModel):
    id: int
    status: Literal["open", "closed"]
    label: str


class Row:
    def __init__(self, status: str) -> None:
        self.id, self.status, self.name, self.secret = 7, status, "Seven", "never copied"


def test_a_snapshot_reads_the_rows_fields_validates_literals_and_takes_what_the_row_lacks() -> None:
    snap = snapshot(Snap, Row("open"), label="Seven")
    assert snap == Snap(id=7, status="open", label="Seven")
    assert snapshot(Snap, Row("open"), label="x", status="closed").status == "closed"
    with pytest.raises(ValidationError):
        snapshot(Snap, Row("bogus"), label="x")  # a Literal is checked, not cast
    with pytest.raises(ValidationError):
        snapshot(Snap, Row("open"))  # a field neither the row nor the caller gives


async def test_a_notifier_stamps_its_events_with_its_clocks_time() -> None:
    from frontdoor_common.bus.outbox import Outbox
    from frontdoor_common.notifier import Notifier
    from frontdoor_common.testing.ledger import Deposit

    class Session:
        def __init__(self) -> None:
            self.rows: list[object] = []
            self.info: dict[str, object] = {}

        async def execute(self, _statement: object, rows: object = None) -> None:
            self.rows.append(rows)

    clock = ManualClock(START)
    notifier = Notifier(Outbox("libtest"), clock)
    session = Session()
    envelope = await notifier.publish(session, Deposit(account="a"), tenant="t1")  # type: ignore[arg-type]
    assert envelope.time == START
    clock.advance(minutes=1)
    (second,) = await notifier.publish_many(session, [Deposit(account="b")], tenant="t1")  # type: ignore[arg-type]
    assert second.time == START + timedelta(minutes=1)
