"""The one KPI definition (`kpis.compute`), the KPI report and the queue statistics built on it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from frontdoor_common.errors import InvalidInput, NotFound
from frontdoor_routing.models import Call
from frontdoor_routing.stats import kpis
from frontdoor_routing.stats.service import kpi_report, queue_stats

from ..conftest import TENANT, Rig

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass
class Facts:
    """A call as KPI arithmetic reads it (offsets in seconds from T0)."""

    queued_at: datetime | None = T0
    arrived_at: datetime = T0
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    transfers: int = 0
    transferred_out: bool = False
    talk_seconds: float = 0.0
    wrapup_seconds: float = 0.0
    completed_at: datetime | None = None
    service_level_seconds: int | None = 20
    state: str = "queued"
    cti_call_id: str = "cti"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_kpis_of_inbound_calls_follow_their_definitions() -> None:
    calls = [
        Facts(answered_at=at(10), completed_at=at(200), talk_seconds=150, wrapup_seconds=30),  # within target
        Facts(answered_at=at(40), transfers=1),  # answered late, transferred onward
        Facts(answered_at=at(5), transferred_out=True, service_level_seconds=None),  # the default target (20)
        Facts(abandoned_at=at(15)),  # abandoned within target
        Facts(abandoned_at=at(60)),  # abandoned after target
        Facts(queued_at=None, state="closed"),  # never offered: not counted
        Facts(queued_at=None, state="no_agents"),
    ]
    k = kpis.compute(calls)
    assert (k.offered, k.answered, k.abandoned, k.abandoned_after_target) == (5, 3, 2, 1)
    assert (k.answered_within_target, k.transferred) == (2, 2)
    assert k.accessibility == round(3 / 5, 4)
    assert k.service_level == round(2 / 3, 4)
    assert k.service_level_incl_abandoned == round(2 / (3 + 1), 4)
    assert k.transfer_rate == round(2 / 3, 4)
    assert k.asa_seconds == round((10 + 40 + 5) / 3, 2)
    assert k.aht_seconds == 180.0  # only completed calls have a handle time


def test_callback_tasks_have_figures_of_their_own_and_an_empty_set_has_no_ratios() -> None:
    task = Facts(cti_call_id="callback:1234:1", answered_at=at(30))
    call = Facts(answered_at=at(3))
    assert kpis.is_task(task) and not kpis.is_task(call)
    inbound, tasks = kpis.compute([task, call]), kpis.compute([task, call], kind="callback")
    assert (inbound.offered, inbound.answered_within_target) == (1, 1)
    assert (tasks.offered, tasks.answered_within_target, tasks.asa_seconds) == (1, 0, 30.0)
    empty = kpis.compute([])
    assert empty.offered == 0 and empty.accessibility is None and empty.service_level is None
    assert kpis.compute([Facts(answered_at=at(25), service_level_seconds=None)], default_target=30).service_level == 1.0


async def _store(rig: Rig, queue_id: uuid.UUID, arrived: datetime, **values: object) -> None:
    async with rig.engine.mutation(TENANT) as m:
        m.add(
            Call(
                tenant_id=TENANT,
                cti_call_id=uuid.uuid4().hex,
                queue_id=queue_id,
                original_queue_id=queue_id,
                arrived_at=arrived,
                queued_at=arrived,
                updated_at=m.at,
                state="completed",
                **values,
            )
        )


async def test_the_report_groups_by_the_tenants_local_days_and_hours(rig: Rig) -> None:
    one, two = await rig.queue(ivr_digit="1"), await rig.queue(ivr_digit="2")
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on the 2nd in Oslo
    await _store(rig, one, late, answered_at=late + timedelta(seconds=10))
    await _store(rig, one, late + timedelta(hours=1), abandoned_at=late + timedelta(hours=1, seconds=50))
    await _store(rig, two, late - timedelta(hours=2), answered_at=late - timedelta(hours=2) + timedelta(seconds=30))
    period = {"start": datetime(2026, 3, 1, tzinfo=UTC), "end": datetime(2026, 3, 3, tzinfo=UTC), "queue_id": None}
    now = rig.clock.now()

    by_day = await kpi_report(rig.engine, TENANT, now=now, group_by="day", **period)
    assert [(r.period_start, r.offered) for r in by_day.rows] == [
        (datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=1), 1),  # the 1st, local
        (datetime(2026, 3, 2, tzinfo=UTC) - timedelta(hours=1), 2),  # the 2nd, local
    ]
    assert (by_day.total.offered, by_day.total.answered, by_day.total.abandoned) == (3, 2, 1)

    by_queue_hour = await kpi_report(rig.engine, TENANT, now=now, group_by="queue_hour", **period)
    assert {(r.queue_id, r.period_start.hour if r.period_start else None) for r in by_queue_hour.rows} == {
        (one, 0),  # local hours: 00:30 and 01:30 on the 2nd, 22:30 on the 1st
        (one, 1),
        (two, 22),
    }
    only_two = await kpi_report(rig.engine, TENANT, now=now, group_by="none", **{**period, "queue_id": two})
    assert [(r.queue_id, r.offered, r.asa_seconds) for r in only_two.rows] == [(None, 1, 30.0)]
    # the default period is the tenant's today so far (it is 09:00 in Oslo)
    today = await kpi_report(rig.engine, TENANT, now=now, group_by="queue", start=None, end=None, queue_id=None)
    assert today.from_ == datetime(2026, 3, 1, 23, tzinfo=UTC) and today.to == now
    assert today.total.offered == 2


async def test_a_report_needs_zoned_times_a_period_and_at_most_400_days(rig: Rig) -> None:
    await rig.queue(ivr_digit="1")
    now = rig.clock.now()
    cases = [
        (datetime(2026, 3, 1), now, "naive_time"),
        (now, now, "empty_period"),
        (now - timedelta(days=401), now, "period_too_long"),
    ]
    for start, end, error in cases:
        with pytest.raises(InvalidInput) as refused:
            await kpi_report(rig.engine, TENANT, now=now, start=start, end=end, queue_id=None, group_by="queue")
        assert refused.value.error_id == error


async def test_the_queue_now_and_today(rig: Rig) -> None:
    q = await rig.queue(ivr_digit="1", service_level_seconds=30)
    busy = await rig.agent({q: 3})
    await rig.agent({q: 3}, presence="away")
    await rig.agent({q: 3}, presence="logged_out")
    yesterday = rig.clock.now() - timedelta(hours=10)  # 23:00 on the 1st in Oslo
    await _store(rig, q, yesterday, answered_at=yesterday + timedelta(seconds=5))
    await _store(rig, q, rig.clock.now() - timedelta(hours=1), answered_at=rig.clock.now() - timedelta(minutes=59))
    from frontdoor_routing.calls.identification import Identification
    from frontdoor_routing.calls.schemas import CallCreate
    from frontdoor_routing.calls.service import answer, arrive

    first, _ = await arrive(rig.engine, TENANT, CallCreate(cti_call_id="a", ivr_digit="1"), Identification())
    await answer(rig.engine, TENANT, first.call.call_id, busy)
    rig.clock.advance(seconds=30)
    await arrive(rig.engine, TENANT, CallCreate(cti_call_id="b", ivr_digit="1"), Identification())
    rig.clock.advance(seconds=45)

    stats = await queue_stats(rig.engine, TENANT, q)
    assert (stats.waiting, stats.longest_wait_seconds, stats.open) == (1, 45.0, True)
    assert stats.agents.model_dump() == {
        "available": 0,
        "offered": 0,
        "on_call": 1,
        "wrap_up": 0,
        "away": 1,
        "logged_out": 1,
    }
    # today: the stored call of an hour ago and the two of now, not yesterday's
    assert (stats.today.offered, stats.today.answered) == (3, 2)
    assert stats.estimated_wait_seconds == 180  # second in line: 2 x 180 s over the 2 agents logged in
    with pytest.raises(NotFound):
        await queue_stats(rig.engine, TENANT, uuid.uuid4())
