"""The simulator drives the real routing core: it must agree with queueing theory and the KPI code.

Tolerances. One simulated day of the worked example (48 half hours, ~4,800 calls) has a
standard deviation of about 2.4 points on the service level, 2.9 points on P(wait) and
3 s on the ASA (calls in a queue are correlated, so this is several times the binomial
figure). Pooling 100 seeded days (~480,000 calls, about 5 s) leaves 0.3-0.4 points on SL and
P(wait) and about 0.4 s on the ASA (measured over six seeds): the one-point tolerance and the
1.0 s ASA tolerance are both about 2.5-3 standard deviations. With patience, 40 days (~190,000
calls) leave about 0.15 points on the abandonment rate, 0.4 points on the service level and
0.17 s on the ASA: tolerances 0.5 point, 1 point and 0.5 s. The runs are seeded, so the
tests are deterministic; the margins say a different seed would pass too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from frontdoor_routing.core.model import OverflowStep
from frontdoor_routing.planning.erlang import erlang_a, erlang_c
from frontdoor_routing.planning.simulator import (
    AgentSpec,
    QueueSpec,
    Scenario,
    call_records,
    mmc_scenario,
    simulate,
)
from frontdoor_routing.stats import kpis

LAM = 100 / 1800
AHT = 180.0


@pytest.mark.slow  # a long simulated day against Erlang C
def test_an_m_m_c_queue_matches_erlang_c_on_the_worked_example() -> None:
    result = simulate(mmc_scenario(100, AHT, 14, 48), seed=1, replications=100)
    theory = erlang_c(LAM, AHT, 14, 20)
    day = result.day
    assert day.service_level is not None and day.p_wait is not None and day.asa_seconds is not None
    assert abs(day.service_level - theory.service_level) < 0.01
    assert abs(day.p_wait - theory.p_wait) < 0.01
    assert abs(day.asa_seconds - theory.asa_seconds) < 1.0
    assert day.occupancy == pytest.approx(theory.occupancy, abs=0.01)
    assert day.aht_seconds == pytest.approx(AHT, rel=0.01)
    assert day.abandoned == 0 and day.unresolved == 0 and day.accessibility == 1.0


def test_abandonment_with_exponential_patience_matches_erlang_a() -> None:
    result = simulate(mmc_scenario(100, AHT, 11, 48, patience_seconds=120), seed=1, replications=40)
    theory = erlang_a(LAM, AHT, 120, 11, 20)
    day = result.day
    assert day.abandon_rate is not None and day.p_wait is not None
    assert day.service_level_incl_abandoned is not None and day.asa_seconds is not None
    assert abs(day.abandon_rate - theory.p_abandon) < 0.005
    assert abs(day.p_wait - theory.p_wait) < 0.01
    assert abs(day.service_level_incl_abandoned - theory.service_level_incl_abandoned) < 0.01
    assert abs(day.asa_seconds - theory.asa_seconds) < 0.5


def test_the_same_seed_gives_the_same_day_and_another_seed_another() -> None:
    scenario = mmc_scenario(80, AHT, 12, 6, patience_seconds=90)
    one, two = simulate(scenario, seed=7).as_dict(), simulate(scenario, seed=7).as_dict()
    other = simulate(scenario, seed=8).as_dict()
    for d in (one, two, other):
        d.pop("elapsed_seconds"), d.pop("calls_per_second")
    assert one == two
    assert one != other


@dataclass
class _Facts:
    queued_at: datetime | None
    arrived_at: datetime
    answered_at: datetime | None
    abandoned_at: datetime | None
    transfers: int
    transferred_out: bool
    talk_seconds: float
    wrapup_seconds: float
    completed_at: datetime | None
    service_level_seconds: int | None
    state: str


def test_the_kpis_are_those_of_the_routing_service() -> None:
    scenario = mmc_scenario(120, AHT, 12, 8, patience_seconds=100)
    result = simulate(scenario, seed=3)
    epoch = datetime(2026, 1, 5, 8, tzinfo=UTC)

    def at(seconds: float | None) -> datetime | None:
        return None if seconds is None else epoch + timedelta(seconds=seconds)

    facts = [
        _Facts(
            queued_at=at(r.arrived_at),
            arrived_at=epoch + timedelta(seconds=r.arrived_at),
            answered_at=at(r.answered_at),
            abandoned_at=at(r.abandoned_at),
            transfers=0,
            transferred_out=False,
            talk_seconds=r.handle_seconds or 0.0,
            wrapup_seconds=0.0,
            completed_at=at(r.answered_at),
            service_level_seconds=20,
            state="completed",
        )
        for r in call_records(scenario, seed=3)
    ]
    service = kpis.compute(facts)
    ours = result.day
    assert (service.offered, service.answered, service.abandoned) == (ours.offered, ours.answered, ours.abandoned)
    assert service.answered_within_target == ours.answered_within_target
    assert service.abandoned_after_target == ours.abandoned_after_target
    assert service.service_level == round(ours.service_level or 0, 4)
    assert service.service_level_incl_abandoned == round(ours.service_level_incl_abandoned or 0, 4)
    assert service.accessibility == round(ours.accessibility or 0, 4)
    assert service.asa_seconds == pytest.approx(ours.asa_seconds, abs=0.006)
    assert service.aht_seconds == pytest.approx(ours.aht_seconds, abs=0.006)


def _one_queue(calls: tuple[float, ...], **rules: object) -> QueueSpec:
    return QueueSpec("q", calls, **rules)


def test_an_agent_in_a_meeting_takes_no_calls_until_it_ends() -> None:
    scenario = Scenario(
        (_one_queue((30.0, 30.0)),),
        (AgentSpec("ann", {"q": 3}, meetings=((0.0, 1800.0),)),),
    )
    records = call_records(scenario, seed=2)
    answered = [r.answered_at for r in records if r.answered_at is not None]
    assert answered and min(answered) >= 1800.0
    assert len(answered) == len(records)  # patient callers: all answered once the meeting ends


def test_an_agent_takes_calls_only_during_the_shift_and_finishes_the_call_in_hand() -> None:
    scenario = Scenario(
        (_one_queue((40.0, 40.0, 40.0), patience_seconds=60.0),),
        (
            AgentSpec("early", {"q": 3}, shifts=((0.0, 1800.0),)),
            AgentSpec("late", {"q": 3}, shifts=((3600.0, 5400.0),)),
        ),
    )
    result = simulate(scenario, seed=4)
    first, second, third = (r.kpis for r in result.intervals)
    assert first.answered > 0 and third.answered > 0
    assert second.answered <= 2  # at most the calls offered in the shift's last moments
    assert second.abandoned > 30
    assert first.staffed_agents == pytest.approx(1.0, abs=0.1)
    assert third.staffed_agents == pytest.approx(1.0, abs=0.1)


def test_calls_overflow_to_another_queue_after_the_threshold() -> None:
    invoices = QueueSpec("invoices", (20.0,), overflow=(OverflowStep(60.0, ("general",)),))
    general = QueueSpec("general", (0.0,))
    scenario = Scenario((invoices, general), (AgentSpec("g", {"general": 3}),))
    records = call_records(scenario, seed=5)
    waits = [r.answered_at - r.arrived_at for r in records if r.answered_at is not None]
    assert len(waits) == len(records) == simulate(scenario, seed=5).queues["invoices"].offered
    assert min(waits) >= 60.0 - 1e-9  # nobody of the own queue: only the overflow agent answers


def test_callers_facing_a_long_wait_leave_a_callback_that_keeps_their_arrival_time() -> None:
    queue = _one_queue((200.0,), callback_threshold_seconds=120.0, callback_delay_seconds=300.0)
    scenario = Scenario((queue,), tuple(AgentSpec(f"a{i}", {"q": 3}) for i in range(8)))
    records = call_records(scenario, seed=6)
    callbacks = [r for r in records if r.callback]
    assert callbacks and all(r.answered_at is not None for r in callbacks)
    assert all(r.answered_at - r.arrived_at >= 300.0 for r in callbacks if r.answered_at is not None)
    assert simulate(scenario, seed=6).day.callbacks == len(callbacks)


def test_answer_delay_wrap_up_and_lognormal_handle_times_show_in_the_kpis() -> None:
    queue = _one_queue((100.0,) * 16, aht_seconds=240.0, wrapup_seconds=30.0, handle="lognormal", handle_cv=0.5)
    scenario = Scenario((queue,), tuple(AgentSpec(f"a{i}", {"q": 3}) for i in range(20)), answer_delay_seconds=4.0)
    records = call_records(scenario, seed=9)
    assert all(r.answered_at - r.arrived_at >= 4.0 for r in records if r.answered_at is not None)
    day = simulate(scenario, seed=9).day
    assert day.aht_seconds == pytest.approx(240.0, rel=0.03)  # talk (lognormal, mean 210) + 30 s wrap-up
    handles = [r.handle_seconds for r in records if r.handle_seconds is not None]
    assert min(handles) > 30.0


def test_a_queue_without_agents_leaves_patient_callers_unresolved_and_the_run_ends() -> None:
    scenario = Scenario((_one_queue((10.0,)),), ())
    day = simulate(scenario, seed=1).day
    assert day.answered == 0 and day.unresolved == day.offered > 0
    assert day.occupancy is None and not math.isnan(day.max_wait_seconds)
