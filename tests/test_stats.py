"""Confidence intervals, summaries, paired differences and the verdict wording."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from iopsim.analysis.catalogue import BY_NAME
from iopsim.analysis.stats import (DIFFERENCE_COLUMNS, SUMMARY_COLUMNS, judgement, paired_differences,
                                   summarise, t_interval, verdict)
from iopsim.core.formatting import format_amount


def test_t_interval_matches_scipy():
    data = [4.2, 5.1, 3.9, 6.3, 5.5, 4.8, 5.0]
    mean, sd, low, high, n = t_interval(data)
    ref_low, ref_high = sps.t.interval(0.95, len(data) - 1, loc=np.mean(data), scale=sps.sem(data))
    assert n == 7
    assert mean == pytest.approx(np.mean(data))
    assert sd == pytest.approx(np.std(data, ddof=1))
    assert (low, high) == pytest.approx((ref_low, ref_high), rel=1e-12)
    low90, high90 = t_interval(data, confidence=0.90)[2:4]
    assert low < low90 < high90 < high


def test_t_interval_drops_nans_and_handles_small_samples():
    assert t_interval([1.0, np.nan, 3.0])[4] == 2
    assert t_interval([1.0, np.nan, 3.0])[0] == 2.0
    mean, sd, low, high, n = t_interval([5.0])
    assert (mean, n) == (5.0, 1) and all(math.isnan(v) for v in (sd, low, high))
    mean, sd, low, high, n = t_interval([np.nan])
    assert n == 0 and math.isnan(mean)
    assert t_interval([2.0, 2.0, 2.0])[1:4] == (0.0, 2.0, 2.0)
    with pytest.raises(ValueError):
        t_interval([1, 2], confidence=95)


def per_rep(seed: int, shift: float = 0.0, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(10, 2, n)  # what common random numbers share between scenarios
    return pd.DataFrame({
        "wait_referral_to_assessment_median_days": common + shift + rng.normal(0, 0.3, n),
        "share_completed": 0.4 + rng.normal(0, 0.05, n),
        "admissions_per_year": 150 + rng.normal(0, 10, n),
    }, index=pd.Index(range(n), name="rep"))


def test_summarise_columns_and_values():
    frame = per_rep(1)
    frame.loc[3, "share_completed"] = np.nan
    summary = summarise(frame)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert list(summary.index) == list(frame.columns) and summary.index.name == "kpi"
    assert summary.loc["share_completed", "n"] == 11
    assert summary.loc["admissions_per_year", "unit"] == BY_NAME["admissions_per_year"].unit
    assert summary.loc["admissions_per_year", "meaning"] == BY_NAME["admissions_per_year"].meaning
    mean, sd, low, high, n = t_interval(frame["admissions_per_year"])
    assert tuple(summary.loc["admissions_per_year", ["mean", "sd", "ci_low", "ci_high", "n"]]) == (mean, sd, low, high, n)


def test_paired_difference_of_a_scenario_with_itself_is_zero():
    frame = per_rep(2)
    diff = paired_differences(frame, frame.copy())
    assert list(diff.columns) == list(DIFFERENCE_COLUMNS)
    assert (diff["mean_diff"] == 0).all() and (diff["ci_low"] == 0).all() and (diff["ci_high"] == 0).all()
    assert (diff["direction"] == "no clear change").all()
    assert "no clear change" in verdict(diff)


def test_paired_differences_pair_on_the_rep_index():
    base = per_rep(3)
    alt = per_rep(3, shift=-2.0)
    diff = paired_differences(base, alt.iloc[::-1])  # row order must not matter
    d = alt["wait_referral_to_assessment_median_days"] - base["wait_referral_to_assessment_median_days"]
    mean, sd, low, high, n = t_interval(d)
    row = diff.loc["wait_referral_to_assessment_median_days"]
    assert (row.mean_diff, row.sd_diff, row.ci_low, row.ci_high, row.n) == pytest.approx((mean, sd, low, high, n))
    assert row.direction == "lower" and row.ci_high < 0
    assert row.alternative_mean - row.baseline_mean == pytest.approx(row.mean_diff)
    # the same shift unpaired would hardly be visible: pairing removes the shared noise
    assert row.ci_high - row.ci_low < 1.0
    assert judgement("wait_referral_to_assessment_median_days", "lower") == "better"
    assert judgement("seat_utilisation", "higher") == ""


def test_paired_differences_skip_replications_missing_on_either_side():
    base, alt = per_rep(4), per_rep(4, shift=1.0)
    alt.loc[0, "share_completed"] = np.nan
    diff = paired_differences(base, alt.drop(index=[5]))
    assert diff.loc["share_completed", "n"] == 10
    assert diff.loc["admissions_per_year", "n"] == 11
    with pytest.raises(ValueError, match="no replication"):
        paired_differences(base, alt.set_axis(range(100, 112)))


def differences(**rows) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["ci_low", "ci_high", "direction"])
    frame["n"] = 10
    return frame


def test_verdict_wording():
    diff = differences(
        wait_referral_to_assessment_median_days=(-7.31, -4.06, "lower"),
        share_completed=(-0.03, 0.02, "no clear change"),
        admissions_per_year=(12.2, 30.4, "higher"),
        lost_before_treatment_share=(0.021, 0.049, "higher"),
        seat_utilisation=(0.05, 0.08, "higher"),
    )
    text = verdict(diff, ["wait_referral_to_assessment_median_days", "share_completed", "admissions_per_year"])
    assert text == ("waits for assessment shorter by 4.1–7.3 days (better); completion: no clear change; "
                    "admissions per year higher by 12–30 (better)")
    assert verdict(diff, ["lost_before_treatment_share"]) == \
        "clients lost before treatment higher by 2–5 percentage points (worse)"
    assert verdict(diff, ["seat_utilisation"]) == "seat use higher by 5–8 percentage points"  # no better direction
    # default: the headline KPIs present, in their order
    assert verdict(diff).startswith("waits for assessment shorter")
    with pytest.raises(ValueError, match="census_mean"):
        verdict(diff, ["census_mean"])


def test_amounts_are_formatted_by_unit():
    assert format_amount(-7.31, -4.06, "days") == "4.1–7.3 days"
    assert format_amount(0.02, 0.7, "days") == "up to 0.7 days"
    assert format_amount(0.002, 0.009, "share") == "0.2–0.9 percentage points"
    assert format_amount(3.2, 9.7, "clients") == "3–10 clients"
    assert format_amount(0.2, 0.6, "clients") == "0.2–0.6 clients"
