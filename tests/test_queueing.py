"""Queueing sanity (calibration target C7): Erlang C, Little's law, and waits exploding near full use.

The M/M/c checks use `queueing.mmc_scenario`, which reduces the model to walk-in assessment with
exponential lengths and assessors on duty around the clock; the simulated wait is the delay from
arrival to the start of the assessment, which the model logs as the `assessment_booked` value.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import iopsim
from iopsim.analysis import monitors
from iopsim.analysis.kpis import compute
from iopsim.analysis.queueing import erlang_c_wait, mmc_scenario
from iopsim.core.scenario import Scenario

from conftest import first_time, rows, time_on

WARM_UP = 30.0


def mean_wait(s: Scenario, seed: int) -> float:
    """Mean arrival-to-service delay (days) of clients arriving after the warm-up."""
    booked = rows(iopsim.simulate(s, seed=seed).events, "assessment_booked")
    return float(booked[booked.time >= s.run.warm_up_days].value.mean())


# ------------------------------------------------------------------------------ Erlang C
@pytest.mark.parametrize("per_day, hours, servers, days", [(6.0, 3.0, 1, 730.0), (30.0, 1.0, 2, 365.0),
                                                           (40.0, 2.0, 4, 365.0)],
                         ids=["M/M/1 rho=0.75", "M/M/2 rho=0.63", "M/M/4 rho=0.83"])
def test_mmc_wait_matches_erlang_c(per_day, hours, servers, days):
    mu = 24.0 / hours  # services per day
    assert 0.6 <= per_day / (servers * mu) <= 0.85
    s = mmc_scenario(per_day, hours, servers, days=days, warm_up_days=WARM_UP)
    means = np.array([mean_wait(s, seed) for seed in range(10)])
    theory = erlang_c_wait(per_day, mu, servers)
    half = stats.t.ppf(0.975, len(means) - 1) * means.std(ddof=1) / np.sqrt(len(means))
    assert abs(means.mean() - theory) <= half, \
        f"simulated {means.mean():.4f} +- {half:.4f} days, Erlang C {theory:.4f} days"
    assert half < 0.15 * theory, "the interval should be tight enough to mean something"


def test_erlang_c_formula_special_cases():
    # M/M/1: Wq = rho / (mu - lambda)
    assert erlang_c_wait(3.0, 4.0, 1) == pytest.approx(0.75 / 1.0)
    # M/M/2 with a = 1: P(wait) = 1/3, Wq = P(wait) / (2 mu - lambda)
    assert erlang_c_wait(1.0, 1.0, 2) == pytest.approx((1 / 3) / 1.0)
    assert erlang_c_wait(5.0, 1.0, 5) == float("inf")


# ------------------------------------------------------------------------------ utilisation -> 1
def test_waits_grow_sharply_as_utilisation_approaches_one():
    mu, servers = 6.0, 2
    seeds = range(4)
    waits = {}
    for rho in (0.5, 0.8, 0.95):
        s = mmc_scenario(rho * servers * mu, 24.0 / mu, servers, days=3 * 365.0, warm_up_days=60.0)
        waits[rho] = np.array([mean_wait(s, seed) for seed in seeds])
    # paired by seed (common random numbers): every replication agrees on the order
    assert (waits[0.5] < waits[0.8]).all() and (waits[0.8] < waits[0.95]).all()
    w50, w80, w95 = (waits[r].mean() for r in (0.5, 0.8, 0.95))
    assert w95 > 3 * w80, f"0.95 -> {w95:.3f} days, 0.8 -> {w80:.3f} days: not several times"
    # not linear: the last 15 points of utilisation cost far more than the 30 before them
    assert (w95 - w80) / 0.15 > 5 * (w80 - w50) / 0.30


# ------------------------------------------------------------------------------ Little's law
W0, H, TAIL = 365.0, 4 * 365.0, 200.0
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def long_runs():
    """Default program, a year of warm-up, four years measured, and a tail so stays can finish."""
    s = Scenario().replace(**{"run.warm_up_days": W0, "run.horizon_days": H + TAIL})
    window = s.replace(**{"run.horizon_days": H})  # KPIs over [W0, W0 + H) only
    out = []
    for seed in SEEDS:
        r = iopsim.simulate(s, seed=seed)
        out.append((r, compute(r.events, window)))
    return out


def sojourns(ev, join: str, leave: list[str], end: float):
    """Per episode joining with `join`: join time and time to its first `leave` event (end if none)."""
    joins = first_time(ev, join)
    leaves = ev[ev.event.isin(leave)].groupby(["client", "episode"], observed=True).time.first()
    return joins, time_on(joins, leaves, end)


QUEUES = {
    # KPI: (join event, leave events)
    "waitlist_mean": ("waitlist_join", ["admitted", "exit"]),  # admitted, gave up, or relapsed and left
    "census_mean": ("admitted", ["iop_discharge"]),
    "op_census_mean": ("op_start", ["op_end"]),
}


@pytest.mark.parametrize("kpi", list(QUEUES))
def test_time_weighted_level_is_the_area_under_the_sojourns(long_runs, kpi):
    """The KPI is exactly (sum of each stay's overlap with the window) / window length."""
    join, leave = QUEUES[kpi]
    for r, k in long_runs:
        joins, stay = sojourns(r.events, join, leave, r.end)
        start = joins.to_numpy()
        overlap = np.clip(np.minimum(start + stay, W0 + H) - np.maximum(start, W0), 0, None)
        assert k[kpi] == pytest.approx(overlap.sum() / H, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kpi", list(QUEUES))
def test_littles_law(long_runs, kpi):
    """L = lambda W, with lambda and W from the clients who join inside the window."""
    join, leave = QUEUES[kpi]
    L, lw = [], []
    for r, k in long_runs:
        joins, stay = sojourns(r.events, join, leave, r.end)
        inside = ((joins >= W0) & (joins < W0 + H)).to_numpy()
        assert inside.sum() > 300
        L.append(k[kpi])
        lw.append(inside.sum() / H * stay[inside].mean())
    assert min(L) > 1, "the queue should not be trivially empty"
    assert np.mean(L) == pytest.approx(np.mean(lw), rel=0.03)
    for a, b in zip(L, lw):
        assert a == pytest.approx(b, rel=0.06)


def test_littles_law_on_the_mmc_queue():
    """The assessment queue of the M/M/c scenario: mean number waiting = arrival rate x mean wait."""
    s = mmc_scenario(40.0, 2.0, 4, days=2 * 365.0, warm_up_days=WARM_UP)
    r = iopsim.simulate(s, seed=5)
    booked = rows(r.events, "assessment_booked")
    start = booked.time.to_numpy()
    wait = booked.value.to_numpy()
    # number waiting over time, from the waits alone, time-weighted over the window
    level = monitors.level(start, start + wait)
    L = monitors.time_average(level, WARM_UP, r.end)
    inside = start >= WARM_UP
    lam = inside.sum() / (r.end - WARM_UP)
    assert L == pytest.approx(lam * wait[inside].mean(), rel=0.05)
    mu = 24.0 / 2.0
    lq_theory = 40.0 * erlang_c_wait(40.0, mu, 4)
    assert L == pytest.approx(lq_theory, rel=0.25)
