"""Erlang C and Erlang A against the published worked example and textbook values."""

from __future__ import annotations

import math

import pytest

from frontdoor_routing.planning.erlang import (
    erlang_a,
    erlang_a_p_abandon_by_integral,
    erlang_a_required_agents,
    erlang_b,
    erlang_c,
    erlang_c_p_wait,
    erlang_c_required_agents,
)

LAM = 100 / 1800  # the worked example: 100 calls per 30 minutes
AHT = 180.0


def test_the_worked_example_gives_88_8_percent_within_20_seconds_with_14_agents() -> None:
    c = erlang_c(LAM, AHT, 14, 20)
    assert c.traffic_erlangs == pytest.approx(10.0)
    assert abs(c.service_level - 0.888) < 0.001
    assert abs(c.p_wait - 0.174) < 0.001
    assert c.asa_seconds == pytest.approx(7.84, abs=0.01)
    assert c.occupancy == pytest.approx(10 / 14)


def test_the_worked_example_needs_14_agents_for_80_percent_within_20_seconds() -> None:
    assert erlang_c(LAM, AHT, 13, 20).service_level < 0.8 <= erlang_c(LAM, AHT, 14, 20).service_level
    assert erlang_c_required_agents(LAM, AHT, 20, 0.8) == 14
    assert erlang_c_required_agents(LAM, AHT, 20, 0.9) == 15


def test_erlang_b_matches_the_table_value_for_5_erlangs_on_10_lines() -> None:
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=1e-5)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)


def test_erlang_c_reduces_to_textbook_closed_forms() -> None:
    assert erlang_c_p_wait(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert erlang_c_p_wait(2, 1.0) == pytest.approx(1 / 3)  # M/M/2 at a = 1
    assert erlang_c_p_wait(3, 2.0) == pytest.approx(4 / 9)  # M/M/3 at a = 2
    one = erlang_c(0.5, 1.0, 1, 0.0)  # M/M/1: ASA = rho / (mu - lam)
    assert one.asa_seconds == pytest.approx(1.0)


def test_an_understaffed_queue_never_settles() -> None:
    c = erlang_c(LAM, AHT, 10, 20)
    assert c.p_wait == 1.0 and c.service_level == 0.0 and math.isinf(c.asa_seconds)


def test_with_patience_equal_to_handle_time_the_system_is_poisson_like_m_m_infinity() -> None:
    # theta = mu: everyone in the system leaves at rate mu, so the count is Poisson(a).
    a, n = 10.0, 12
    r = erlang_a(a / AHT, AHT, AHT, n, 20)
    poisson = [math.exp(k * math.log(a) - a - math.lgamma(k + 1)) for k in range(200)]
    assert r.p_wait == pytest.approx(sum(poisson[n:]), rel=1e-9)
    expected_queue = sum((k - n) * p for k, p in enumerate(poisson) if k > n)
    assert r.p_abandon == pytest.approx(expected_queue / a, rel=1e-9)


def test_abandonment_from_the_chain_equals_abandonment_from_the_wait_density() -> None:
    for n, patience in [(8, 120.0), (11, 120.0), (14, 60.0), (20, 600.0)]:
        series = erlang_a(LAM, AHT, patience, n, 20).p_abandon
        assert erlang_a_p_abandon_by_integral(LAM, AHT, patience, n) == pytest.approx(series, rel=1e-8)


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    a = erlang_a(LAM, AHT, 1e9, 14, 20)
    c = erlang_c(LAM, AHT, 14, 20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-6)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-6)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-5)
    assert a.p_abandon < 1e-7


def test_erlang_a_stays_finite_in_overload_and_with_large_loads() -> None:
    over = erlang_a(2.0, 300, 200, 500, 20)  # 600 Erlangs on 500 agents: abandonment balances it
    assert 0.999 < over.p_wait <= 1 and over.p_abandon == pytest.approx(1 - 500 / 600, abs=1e-3)
    big = erlang_a(2.0, 300, 200, 700, 20)
    assert big.p_wait < 1e-4 and big.service_level > 0.9999


def test_abandonment_lowers_the_staffing_a_goal_needs() -> None:
    assert erlang_a_required_agents(LAM, AHT, 120, 20, 0.8) == 12
    assert erlang_a_required_agents(LAM, AHT, 120, 20, 0.8) <= erlang_c_required_agents(LAM, AHT, 20, 0.8)
    a = erlang_a(LAM, AHT, 120, 12, 20)
    assert a.service_level_incl_abandoned >= 0.8 > erlang_a(LAM, AHT, 120, 11, 20).service_level_incl_abandoned


def test_nonsense_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        erlang_c(LAM, 0.0, 14, 20)
    with pytest.raises(ValueError):
        erlang_c_required_agents(LAM, AHT, 20, 1.0)
    with pytest.raises(ValueError):
        erlang_a(LAM, AHT, 0.0, 14, 20)
