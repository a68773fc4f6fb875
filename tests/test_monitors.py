"""Time-weighted levels and Kaplan-Meier curves (iopsim.analysis.monitors), against hand-computed answers."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from iopsim.analysis import monitors

# joins at 1, 2, 6 and leaves at 4, 8: the level is
#   0 on [0,1), 1 on [1,2), 2 on [2,4), 1 on [4,6), 2 on [6,8), 1 from 8 on (one never leaves)
JOINS, LEAVES = [6.0, 1.0, 2.0], [8.0, 4.0]


@pytest.fixture
def step():
    return monitors.level(JOINS, LEAVES)


def test_level_is_the_running_count(step):
    times, levels = step
    assert times.tolist() == [1, 2, 4, 6, 8]
    assert levels.tolist() == [1, 2, 1, 2, 1]


@pytest.mark.parametrize("start, end, area", [
    (0, 10, 0 * 1 + 1 * 1 + 2 * 2 + 1 * 2 + 2 * 2 + 1 * 2),   # the whole story
    (3, 7, 2 * 1 + 1 * 2 + 2 * 1),      # starts inside a level set before the window, ends inside one
    (2.5, 3.5, 2 * 1),                  # one level throughout
    (0, 1, 0),                          # before anybody came
    (0, 0.5, 0),
    (9, 12, 1 * 3),                     # after the last change: the level goes on past the data
    (4, 6, 1 * 2),                      # window edges on change times
    (1.5, 8.5, 1 * 0.5 + 2 * 2 + 1 * 2 + 2 * 2 + 1 * 0.5),
])
def test_time_average_is_area_over_length(step, start, end, area):
    assert monitors.time_average(step, start, end) == pytest.approx(area / (end - start), rel=1e-12)


def test_time_average_of_an_empty_window_is_nan(step):
    assert math.isnan(monitors.time_average(step, 5, 5))
    assert math.isnan(monitors.time_average(step, 6, 5))


def test_time_average_with_nobody_is_zero():
    assert monitors.time_average(monitors.level([], []), 0, 10) == 0.0


def test_time_average_equals_summed_overlaps_on_random_stays():
    """Each stay [join, leave) adds its overlap with the window; stays may cross either edge."""
    rng = np.random.default_rng(8)
    joins = rng.uniform(0, 100, 300)
    leaves = joins + rng.exponential(10, 300)
    still_there = rng.random(300) < 0.2
    start, end = 30.0, 90.0
    step = monitors.level(joins, leaves[~still_there])
    stay_end = np.where(still_there, np.inf, leaves)
    overlap = np.clip(np.minimum(stay_end, end) - np.maximum(joins, start), 0, None).sum()
    assert monitors.time_average(step, start, end) == pytest.approx(overlap / (end - start), rel=1e-12)


@pytest.mark.parametrize("start, end, peak", [
    (0, 10, 2),
    (3, 7, 2),
    (4.5, 5.5, 1),   # only the level in the window counts, not higher ones around it
    (8.5, 10, 1),
    (0, 1, 0),
    (0, 0.5, 0),
    (20, 30, 1),     # the level that continues after the last change
])
def test_maximum(step, start, end, peak):
    assert monitors.maximum(step, start, end) == peak


@pytest.mark.parametrize("start, end, peak", [(4, 6, 1), (8, 10, 1)])
def test_maximum_when_the_level_changes_exactly_at_the_window_start(step, start, end, peak):
    assert monitors.maximum(step, start, end) == peak


# ------------------------------------------------------------------------- Kaplan-Meier
# durations with censoring (observed 0): hand-computed product-limit estimate
#   t=1: 7 at risk, 1 event -> S = 6/7
#   t=2: 6 at risk (the one censored at 2 still counts), 1 event -> S = 6/7 * 5/6 = 5/7
#   t=3: 4 at risk, 1 event -> S = 5/7 * 3/4 = 15/28
#   t=4: censored
#   t=5: 2 at risk, 1 event -> S = 15/28 * 1/2 = 15/56
#   t=6: censored
DURATIONS = [1, 2, 2, 3, 4, 5, 6]
OBSERVED = [1, 1, 0, 1, 0, 1, 0]


@pytest.mark.parametrize("at, survival", [
    (0.5, Fraction(1)),
    (1, Fraction(6, 7)),
    (1.5, Fraction(6, 7)),
    (2, Fraction(5, 7)),
    (3, Fraction(15, 28)),
    (4.5, Fraction(15, 28)),
    (5, Fraction(15, 56)),
    (5.9, Fraction(15, 56)),
])
def test_kaplan_meier_hand_example(at, survival):
    got = monitors.kaplan_meier_failure(DURATIONS, OBSERVED, at)
    assert got == pytest.approx(float(1 - survival), rel=1e-12, abs=1e-15)


def product_limit_failure(durations, observed, at):
    """Textbook Kaplan-Meier, written independently: walk through the sorted records."""
    records = sorted(zip(durations, observed))
    at_risk, survival, i = len(records), 1.0, 0
    while i < len(records) and records[i][0] <= at:
        t = records[i][0]
        same = [o for d, o in records if d == t]
        deaths = sum(same)
        if deaths:
            survival *= 1 - deaths / at_risk
        at_risk -= len(same)
        i += len(same)
    return 1 - survival


@pytest.mark.parametrize("seed", range(5))
def test_kaplan_meier_matches_the_product_limit_formula(seed):
    rng = np.random.default_rng(seed)
    n = 200
    durations = np.round(rng.exponential(100, n))  # rounding makes ties, between events and censorings too
    observed = rng.random(n) < 0.6
    for at in (10.0, 50.0, 91.25, 182.5, 365.0):
        if at > durations.max():
            continue
        assert monitors.kaplan_meier_failure(durations, observed, at) == pytest.approx(
            product_limit_failure(durations.tolist(), observed.tolist(), at), rel=1e-12, abs=1e-15)


def test_kaplan_meier_without_censoring_is_the_empirical_share():
    rng = np.random.default_rng(3)
    durations = rng.exponential(50, 500)
    for at in (5.0, 50.0, 120.0):
        assert monitors.kaplan_meier_failure(durations, np.ones(500, bool), at) == pytest.approx(
            np.mean(durations <= at), rel=1e-12)


def test_kaplan_meier_nobody_failed_is_zero():
    assert monitors.kaplan_meier_failure([10.0, 20.0], [False, False], 5.0) == 0.0


def test_kaplan_meier_empty_or_unknowable_is_nan():
    assert math.isnan(monitors.kaplan_meier_failure([], [], 30.0))
    # everybody censored before `at`: nothing is known about `at`
    assert math.isnan(monitors.kaplan_meier_failure([1.0, 2.0], [False, False], 30.0))
