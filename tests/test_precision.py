"""Enough replications for a verdict: settled and unsettled differences, and compare_to_precision."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from iopsim.analysis.precision import compare_to_precision, next_reps, unsettled
from iopsim.analysis.stats import NOT_ENOUGH, tolerance, too_wide, verdict
from iopsim.core.scenario import Scenario

WAIT = "wait_assessment_to_start_median_days"
SHORT = Scenario().replace(**{"run.horizon_days": 90, "run.warm_up_days": 14})


def rows(**kpis) -> pd.DataFrame:
    """Differences as paired_differences gives them: (ci_low, ci_high, baseline_mean) per KPI."""
    out = {}
    for name, (low, high, base) in kpis.items():
        direction = "higher" if low > 0 else "lower" if high < 0 else "no clear change"
        out[name] = {"mean_diff": (low + high) / 2, "ci_low": low, "ci_high": high, "n": 10, "baseline_mean": base,
                     "direction": direction}
    return pd.DataFrame.from_dict(out, orient="index")


def test_a_difference_is_settled_when_clear_or_narrower_than_its_tolerance():
    d = rows(**{WAIT: (-0.2, 5.2, 14.0)}, share_completed=(-0.015, 0.01, 0.5), admissions_per_year=(2.0, 30.0, 150.0),
             seat_utilisation=(-0.03, 0.05, 0.8))
    assert tolerance(WAIT, 14.0) == 1.0 and tolerance("share_completed", 0.5) == 0.02
    assert tolerance("admissions_per_year", 150.0) == pytest.approx(7.5)  # 5% of the baseline
    assert too_wide(d.loc[WAIT], WAIT)  # holds 0, half-width 2.7 days > 1 day
    assert not too_wide(d.loc["share_completed"], "share_completed")  # half-width 1.25 points <= 2
    assert not too_wide(d.loc["admissions_per_year"], "admissions_per_year")  # clear, however wide
    assert unsettled(d, [WAIT, "share_completed", "admissions_per_year", "seat_utilisation"]) == [
        WAIT, "seat_utilisation"]


def test_the_precise_verdict_says_when_the_replications_cannot_tell():
    d = rows(**{WAIT: (-0.2, 5.2, 14.0)}, share_completed=(-0.015, 0.01, 0.5))
    assert verdict(d, [WAIT]) == "waits from assessment to IOP start: no clear change"  # the old reading
    text = verdict(d, [WAIT, "share_completed"], precise=True)
    assert text == (f"waits from assessment to IOP start: {NOT_ENOUGH} (somewhere from 0.2 days shorter to "
                    "5.2 days longer); completion: no clear change (at most 1.5 percentage points either way)")


def test_the_next_batch_grows_with_the_widest_open_interval_within_bounds():
    d = rows(**{WAIT: (-3.0, 9.0, 14.0)}, seat_utilisation=(-0.021, 0.022, 0.8))
    assert next_reps(10, d, [WAIT], 60) == 20  # needs (6 / 3)^2 more, at most twice as many per batch
    assert next_reps(10, d, ["seat_utilisation"], 60) == 13  # nearly there (1.075^2 x 1.1): a few more
    assert next_reps(40, d, [WAIT], 60) == 60  # never past the cap
    nan = rows(**{WAIT: (math.nan, math.nan, 14.0)})
    assert next_reps(10, nan, [WAIT], 60) == 20


def test_identical_scenarios_settle_in_the_first_batch():
    cmp = compare_to_precision(SHORT, SHORT, reps=3, max_reps=30, seed=1, workers=1)
    assert cmp.precision["reached"] and set(cmp.precision["reps"].values()) == {3}
    assert NOT_ENOUGH not in next(iter(cmp.verdicts.values()))


def test_at_the_cap_an_unsettled_difference_reads_not_enough_replications():
    busier = SHORT.replace(name="busier", **{"referrals.per_week": SHORT.referrals.per_week * 1.2})
    calls = []
    cmp = compare_to_precision(SHORT, busier, reps=2, max_reps=3, seed=1, workers=1,
                               progress=lambda done, total: calls.append((done, total)))
    assert set(cmp.precision["reps"].values()) <= {2, 3} and not cmp.precision["reached"]
    assert NOT_ENOUGH in cmp.verdicts["busier"] and cmp.precision["unsettled"]["busier"]
    assert calls and all(total == 6 for _, total in calls) and calls[-1][0] <= 6
    with pytest.raises(ValueError, match="max_reps"):
        compare_to_precision(SHORT, busier, reps=5, max_reps=3)


@pytest.mark.statistical
def test_referrals_up_a_fifth_lengthen_the_wait_for_a_seat_once_enough_replications_run(test_seed):
    """At 10 replications this often read "no clear change"; run to precision it reads longer (worse)."""
    base = Scenario()
    busier = base.replace(name="referrals +20%", **{"referrals.per_week": base.referrals.per_week * 1.2})
    cmp = compare_to_precision(base, busier, reps=10, max_reps=60, seed=test_seed)
    row = cmp.differences.loc[("referrals +20%", WAIT)]
    assert row["ci_low"] > 0, (row.to_dict(), cmp.precision)
    assert "waits from assessment to IOP start longer by" in cmp.verdicts["referrals +20%"]
