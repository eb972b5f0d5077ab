"""Erlang C (M/M/n) and Erlang A (M/M/n+M) staffing formulas, in pure Python (`math` only).

Notation: arrival rate `lam` (calls per second), mean handle time `aht` (seconds, so the
service rate is mu = 1/aht), `agents` n, mean patience (seconds, exponential; theta =
1/patience), and the service-level target `target` (seconds). Offered traffic a = lam*aht
Erlangs.

Service level follows the KPI definition of `frontdoor_routing.stats.kpis`: calls answered within
the target / calls answered. Without abandonment (Erlang C) every call is answered, so this
is the textbook P(wait <= target). With abandonment (Erlang A) `service_level_incl_abandoned`
is the KPI variant: answered within target / (answered + abandoned after the target).

Numerics. Erlang B comes from its stable recursion B(k) = a B(k-1) / (k + a B(k-1)).
Erlang A is the birth-death chain with death rate min(k, n) mu + max(k - n, 0) theta:
P(wait) and the mean queue length come from the tail series sum_j prod_{i<=j} lam/(n mu + i
theta), summed in log space (no overflow for large lam/theta). The offered wait V of an
infinitely patient caller has, on V > 0, the density f(x) ~ exp(lam (1 - e^{-theta x})/theta
- n mu x) (Baccelli & Hebuterne; Mandelbaum & Zeltyn); the caller is answered iff their
patience exceeds V, so P(answered within t) = P(V = 0) + int_0^t f(x) e^{-theta x} dx, and the
ASA is int x f(x) e^{-theta x} dx / P(answered). Those integrals are done by adaptive Simpson
on the log-scaled density (the incomplete-gamma closed form covers all but the ASA integral,
so one quadrature serves all). The abandonment probability is computed both ways (series:
theta E[queue] / lam; integral) and the tests hold them equal.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

MAX_AGENTS = 100_000


@dataclass(frozen=True, slots=True)
class ErlangC:
    """Erlang C figures for one staffing level."""

    agents: int
    traffic_erlangs: float
    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Erlang A figures for one staffing level (exponential patience)."""

    agents: int
    traffic_erlangs: float
    p_wait: float
    p_abandon: float
    service_level: float
    service_level_incl_abandoned: float
    asa_seconds: float
    occupancy: float


def _check(lam: float, aht: float, agents: int | None = None) -> None:
    if not (lam >= 0 and math.isfinite(lam)):
        raise ValueError("the arrival rate must be a finite number >= 0")
    if not (aht > 0 and math.isfinite(aht)):
        raise ValueError("the handle time must be > 0")
    if agents is not None and not (0 <= agents <= MAX_AGENTS):
        raise ValueError(f"agents must be between 0 and {MAX_AGENTS}")


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/n/n loss system with `traffic` Erlangs offered."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c_p_wait(agents: int, traffic: float) -> float:
    """Probability that a call waits (all agents busy) in M/M/n; 1 when n <= traffic."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c(lam: float, aht: float, agents: int, target: float) -> ErlangC:
    """Erlang C: P(wait), service level within `target`, ASA and occupancy for `agents`."""
    _check(lam, aht, agents)
    a = lam * aht
    if agents <= a or agents == 0:
        # Unstable: the queue grows without bound.
        return ErlangC(agents, a, 1.0, 0.0, math.inf, 1.0 if agents else 0.0)
    c = erlang_c_p_wait(agents, a)
    drain = (agents - a) / aht  # rate at which the wait of a queued call runs out
    service_level = 1.0 - c * math.exp(-drain * target)
    asa = c / drain
    return ErlangC(agents, a, c, service_level, asa, a / agents)


def calls_to_rate(calls_per_interval: float, interval_seconds: float) -> float:
    """Arrival rate (per second) of `calls_per_interval` calls per interval."""
    return calls_per_interval / interval_seconds


def erlang_c_required_agents(lam: float, aht: float, target: float, service_level: float) -> int:
    """The fewest agents whose Erlang C service level within `target` reaches `service_level`."""
    _check(lam, aht)
    if not 0 < service_level < 1:
        raise ValueError("the service-level goal must be between 0 and 1 (exclusive)")
    if lam == 0:
        return 0
    a = lam * aht
    n = max(1, math.floor(a) + 1)
    b = erlang_b(n, a)
    while n <= MAX_AGENTS:
        c = n * b / (n - a * (1.0 - b))
        if 1.0 - c * math.exp(-(n - a) * target / aht) >= service_level:
            return n
        n += 1
        b = a * b / (n + a * b)  # Erlang B's recursion, one agent on
    raise ValueError("the goal needs more agents than the planner supports")


# --------------------------------------------------------------------------- Erlang A


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    if top == -math.inf:
        return top
    return top + math.log(math.fsum(math.exp(v - top) for v in values))


def _gauss_legendre(order: int) -> list[tuple[float, float]]:
    """Nodes and weights of the `order`-point Gauss-Legendre rule on [-1, 1] (Newton on P_n)."""
    rule = []
    for i in range(1, order + 1):
        x = math.cos(math.pi * (i - 0.25) / (order + 0.5))
        for _ in range(100):
            p0, p1 = 1.0, x
            for k in range(2, order + 1):
                p0, p1 = p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
            dp = order * (x * p1 - p0) / (x * x - 1.0)
            dx = p1 / dp
            x -= dx
            if abs(dx) < 1e-15:
                break
        rule.append((x, 2.0 / ((1.0 - x * x) * dp * dp)))
    return rule


_RULE = _gauss_legendre(10)


def _march(
    fns: Callable[[float], tuple[float, ...]], a: float, b: float, step: Callable[[float], float]
) -> list[float]:
    """Integrals over [a, b] of each component of `fns`, by 10-point Gauss-Legendre panels.

    Panel widths come from `step(x)`, chosen so the log-density changes by well under one
    unit across a panel, which makes the rule accurate to near machine precision.
    """
    sums: list[list[float]] = []
    x = a
    while x < b:
        h = min(step(x), b - x)
        if b - x - h < 1e-9 * h:
            h = b - x
        half, mid = 0.5 * h, x + 0.5 * h
        panel: list[float] | None = None
        for node, weight in _RULE:
            values = fns(mid + half * node)
            if panel is None:
                panel = [0.0] * len(values)
            for i, v in enumerate(values):
                panel[i] += weight * half * v
        if panel is not None:
            sums.append(panel)
        x += h
    if not sums:
        return [0.0] * len(fns(a))
    return [math.fsum(col) for col in zip(*sums, strict=True)]


def erlang_a(lam: float, aht: float, patience: float, agents: int, target: float) -> ErlangA:
    """Erlang A (M/M/n+M): P(wait), P(abandon), service level, ASA and occupancy for `agents`."""
    _check(lam, aht, agents)
    if not patience > 0:
        raise ValueError("the mean patience must be > 0")
    a = lam * aht
    if math.isinf(patience):
        c = erlang_c(lam, aht, agents, target)
        return ErlangA(agents, a, c.p_wait, 0.0, c.service_level, c.service_level, c.asa_seconds, c.occupancy)
    if lam == 0:
        return ErlangA(agents, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0)
    if agents == 0:
        return ErlangA(0, a, 1.0, 1.0, 0.0, 0.0, math.inf, 0.0)
    mu, theta, n = 1.0 / aht, 1.0 / patience, agents
    # Stationary chain relative to p_n, in logs: below n, p_k / p_n = n!/(k! a^(n-k)).
    log_below = [math.lgamma(n + 1) - math.lgamma(k + 1) - (n - k) * math.log(a) for k in range(n)]
    # Above n: term_j = prod_{i=1..j} lam / (n mu + i theta); stop once tiny and shrinking.
    log_terms = [0.0]
    weighted = [-math.inf]  # log(j * term_j), for the mean queue length
    log_t, top, j = 0.0, 0.0, 0
    while True:
        j += 1
        ratio = math.log(lam / (n * mu + j * theta))
        log_t += ratio
        log_terms.append(log_t)
        weighted.append(log_t + math.log(j))
        top = max(top, log_t)
        if ratio < 0 and log_t < top - 46.0:
            break
    log_tail = _logsumexp(log_terms)  # log(sum_{k>=n} p_k / p_n)
    log_norm = _logsumexp([*log_below, log_tail]) if log_below else log_tail
    p_wait = math.exp(log_tail - log_norm)
    mean_queue = math.exp(_logsumexp(weighted) - log_norm)
    p_abandon = min(1.0, theta * mean_queue / lam)

    # Offered wait V on V > 0: density proportional to g(x) = exp(lg(x) - lg_max).
    def lg(x: float) -> float:
        return lam * (-math.expm1(-theta * x)) / theta - n * mu * x

    peak = math.log(lam / (n * mu)) / theta if lam > n * mu else 0.0
    lg_max = lg(peak)
    end = max(peak, 1.0 / (n * mu + theta))
    while lg(end) > lg_max - 50.0:
        end *= 2.0

    survive = math.exp(-theta * target)

    def before(x: float) -> tuple[float, ...]:
        g = math.exp(lg(x) - lg_max)
        kept = g * math.exp(-theta * x)  # answered: the caller's patience outlasted the wait
        return g, kept, x * kept

    def after(x: float) -> tuple[float, ...]:
        g, kept, x_kept = before(x)
        return g, kept, x_kept, g * survive - kept  # the last: abandoned after the target

    def step(x: float) -> float:
        slope = abs(lam * math.exp(-theta * x) - n * mu)
        curvature = math.sqrt(lam * theta * math.exp(-theta * x))
        return 0.5 / max(slope, curvature, 1e-300)

    cut = min(target, end)
    early = _march(before, 0.0, cut, step)
    late = _march(after, cut, end, step)
    scale = p_wait / (early[0] + late[0])
    answered_in_time = (1.0 - p_wait) + scale * early[1]
    answered = answered_in_time + scale * late[1]
    wait_sum = scale * (early[2] + late[2])
    late_abandon = scale * late[3]
    service_level = answered_in_time / answered if answered > 0 else 0.0
    incl = answered_in_time / (answered + late_abandon) if answered + late_abandon > 0 else 0.0
    asa = wait_sum / answered if answered > 0 else math.inf
    occupancy = min(1.0, lam * (1.0 - p_abandon) * aht / n) if n else 0.0
    return ErlangA(agents, a, p_wait, p_abandon, service_level, incl, asa, occupancy)


def erlang_a_p_abandon_by_integral(lam: float, aht: float, patience: float, agents: int) -> float:
    """P(abandon) as 1 - P(answered) from the offered-wait density (a cross-check of the series)."""
    r = erlang_a(lam, aht, patience, agents, target=0.0)
    # With target 0, answered = 1 - p_wait + answered_late; SL = (1 - p_wait) / answered.
    if r.service_level == 0:
        return 1.0
    return 1.0 - (1.0 - r.p_wait) / r.service_level


def erlang_a_required_agents(
    lam: float,
    aht: float,
    patience: float,
    target: float,
    service_level: float,
    *,
    incl_abandoned: bool = True,
) -> int:
    """The fewest agents whose Erlang A service level reaches `service_level`.

    By default the goal is on the honest variant (answered within target / (answered +
    abandoned after target)): over answered calls only, heavy abandonment can make a thin
    staffing look good, because only the calls that waited briefly get answered.
    """
    _check(lam, aht)
    if not 0 < service_level < 1:
        raise ValueError("the service-level goal must be between 0 and 1 (exclusive)")
    if lam == 0:
        return 0

    def meets(n: int) -> bool:
        r = erlang_a(lam, aht, patience, n, target)
        return (r.service_level_incl_abandoned if incl_abandoned else r.service_level) >= service_level

    hi = max(1, math.floor(lam * aht) + 1)
    while not meets(hi):
        if hi >= MAX_AGENTS:
            raise ValueError("the goal needs more agents than the planner supports")
        hi = min(MAX_AGENTS, hi * 2)
    lo = 0  # meets(lo) is False (no agents answer nothing) and meets(hi) is True
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return hi
