"""Statistics across replications: t confidence intervals, summaries, paired differences, verdicts.

Each replication is one independent observation of a KPI, so a KPI's confidence interval is a
Student t interval over the replications' values (NaN values, e.g. "no dropouts, so no median
length of stay of dropouts", are left out and ``n`` says how many counted).  Two scenarios run
with the same seeds share random numbers replication by replication (common random numbers), so
they are compared by the t interval of the per-replication differences (a paired comparison),
which is much narrower than comparing two separate intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = ("mean", "sd", "ci_low", "ci_high", "n", "unit", "meaning")
DIFFERENCE_COLUMNS = ("mean_diff", "sd_diff", "ci_low", "ci_high", "n", "baseline_mean", "alternative_mean",
                      "direction")
NO_CLEAR_CHANGE = "no clear change"

# the KPIs a verdict speaks of when none are named, and their short plain-language labels
HEADLINE = (
    "wait_referral_to_assessment_median_days",
    "wait_assessment_to_start_median_days",
    "lost_before_treatment_share",
    "admissions_per_year",
    "share_completed",
    "seat_utilisation",
)
LABELS = {
    "referrals": "referrals",
    "referrals_per_week": "referrals per week",
    "readmission_share": "readmissions",
    "assessed": "assessments",
    "wait_referral_to_assessment_median_days": "waits for assessment",
    "wait_referral_to_assessment_p90_days": "longest waits for assessment (90th percentile)",
    "wait_assessment_to_start_median_days": "waits from assessment to IOP start",
    "wait_assessment_to_start_p90_days": "longest waits from assessment to IOP start (90th percentile)",
    "wait_to_start_mean_days": "time on the IOP waitlist",
    "lost_no_show": "clients lost to no-shows",
    "lost_reneged": "clients leaving the waitlist",
    "lost_before_treatment_share": "clients lost before treatment",
    "admissions": "admissions",
    "admissions_per_year": "admissions per year",
    "waitlist_mean": "waitlist length",
    "waitlist_max": "longest waitlist",
    "census_mean": "clients in IOP",
    "seats": "seats",
    "seat_utilisation": "seat use",
    "group_fill_mean": "group fill",
    "group_sessions_short_of_facilitators": "groups short of counsellors",
    "counsellor_utilisation": "counsellor use",
    "assessor_utilisation": "assessor use",
    "prescriber_utilisation": "prescriber use",
    "op_wait_median_days": "waits for standard outpatient",
    "op_census_mean": "clients in standard outpatient",
    "op_counsellor_utilisation": "outpatient counsellor use",
    "discharges": "IOP discharges",
    "share_completed": "completion",
    "share_transferred": "transfers",
    "share_dropped_out": "dropout",
    "share_terminated": "terminations",
    "share_other": "other discharges",
    "los_median_days": "length of stay",
    "los_mean_days": "mean length of stay",
    "los_median_completed_days": "length of stay of completers",
    "los_median_dropped_out_days": "length of stay of dropouts",
    "treatment_hours_mean": "treatment hours per client",
    "relapse_in_treatment_share": "relapse during treatment",
    "relapse_3m_after_discharge": "relapse within 3 months of discharge",
    "relapse_6m_after_discharge": "relapse within 6 months of discharge",
    "relapse_12m_after_discharge": "relapse within 12 months of discharge",
    "relapse_6m_after_dropout": "relapse within 6 months of dropping out",
    "in_system_end": "clients in care at the end",
}
_COUNT_UNITS = {"clients", "episodes", "sessions", "seats", "clients/year"}


# ------------------------------------------------------------------------------ intervals
def t_interval(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float, float, int]:
    """``(mean, sd, low, high, n)``: Student t interval of the mean (as scipy.stats.t); NaNs dropped.

    sd is the sample standard deviation (ddof 1).  With fewer than two values the sd and the
    bounds are NaN (one replication says nothing about its own spread); with no values the mean
    is NaN too.  Equal values give a zero-width interval.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, got {confidence!r}")
    x = np.asarray(list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(x.std(ddof=1))
    if sd == 0:
        return mean, 0.0, mean, mean, n
    # scipy.stats.t.ppf is stdtrit underneath; scipy.special imports in a fraction of the time
    from scipy.special import stdtrit

    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half, n


def relative_half_width(mean: float, low: float, high: float) -> float:
    """CI half-width / |mean|: 0 for a zero-width interval, inf around a zero mean, NaN if unknown."""
    if any(math.isnan(v) for v in (mean, low, high)):
        return math.nan
    half = (high - low) / 2
    if half == 0:
        return 0.0
    return math.inf if mean == 0 else half / abs(mean)


def summarise(per_rep: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per KPI (rows, in the column order of ``per_rep``): mean, sd, ci_low, ci_high, n, unit, meaning."""
    from iopsim.analysis.kpis import BY_NAME

    rows = []
    for name in per_rep.columns:
        mean, sd, low, high, n = t_interval(per_rep[name].to_numpy(dtype=float), confidence)
        kpi = BY_NAME.get(name)
        rows.append((mean, sd, low, high, n, kpi.unit if kpi else "", kpi.meaning if kpi else ""))
    frame = pd.DataFrame(rows, index=pd.Index(list(per_rep.columns), name="kpi"), columns=list(SUMMARY_COLUMNS))
    return frame.astype({"n": "int64"})


# ---------------------------------------------------------------------- paired differences
def paired_differences(base: pd.DataFrame, alt: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per KPI, alternative − baseline paired by replication (the ``rep`` index).

    Only replications present in both, with a value in both, count (``n``); baseline_mean and
    alternative_mean are over those same replications, so mean_diff is their difference.
    direction is "lower" or "higher" when the confidence interval of the difference excludes 0,
    otherwise "no clear change".  KPIs are those of ``base`` that ``alt`` also has.
    """
    reps = base.index.intersection(alt.index)
    if len(reps) == 0:
        raise ValueError("the two experiments share no replication numbers, so they cannot be paired")
    rows, names = [], []
    for name in base.columns:
        if name not in alt.columns:
            continue
        b = base.loc[reps, name].to_numpy(dtype=float)
        a = alt.loc[reps, name].to_numpy(dtype=float)
        keep = ~(np.isnan(a) | np.isnan(b))
        mean, sd, low, high, n = t_interval(a[keep] - b[keep], confidence)
        if n and low > 0:
            direction = "higher"
        elif n and high < 0:
            direction = "lower"
        else:
            direction = NO_CLEAR_CHANGE
        rows.append((mean, sd, low, high, n,
                     float(b[keep].mean()) if n else math.nan, float(a[keep].mean()) if n else math.nan, direction))
        names.append(name)
    frame = pd.DataFrame(rows, index=pd.Index(names, name="kpi"), columns=list(DIFFERENCE_COLUMNS))
    return frame.astype({"n": "int64"})


def judgement(kpi: str, direction: str) -> str:
    """"better", "worse" or "" for a KPI that moved in ``direction`` (uses KPI.better)."""
    from iopsim.analysis.kpis import BY_NAME

    better = BY_NAME[kpi].better if kpi in BY_NAME else ""
    if not better or direction not in ("lower", "higher"):
        return ""
    return "better" if direction == better else "worse"


# ------------------------------------------------------------------------------- verdicts
def _words(kpi: str, unit: str, direction: str) -> str:
    if unit in ("days", "hours") or kpi.startswith("los_"):
        return {"lower": "shorter", "higher": "longer"}[direction]
    if unit == "clients" and kpi in ("waitlist_mean", "waitlist_max"):
        return {"lower": "shorter", "higher": "longer"}[direction]
    return direction


def format_amount(low: float, high: float, unit: str) -> str:
    """A range of (positive) amounts in the unit's words: "4.1–7.3 days", "2–5 percentage points".

    Days and hours get one decimal, shares percentage points (whole when the range is wide
    enough, else one decimal), counts whole numbers (one decimal below 1).  A range whose low
    end rounds to zero reads "up to 0.7 days".
    """
    low, high = sorted((abs(low), abs(high)))
    words = unit
    if unit == "share":
        low, high, words = 100 * low, 100 * high, "percentage points"
        digits = 0 if round(low) >= 1 and round(low) != round(high) else 1
    elif unit in _COUNT_UNITS:
        digits = 0 if round(low) >= 1 else 1
        words = {"clients/year": "", "episodes": "referrals"}.get(unit, unit)
    else:
        digits = 1
    a, b = f"{low:.{digits}f}", f"{high:.{digits}f}"
    zero = f"{0:.{digits}f}"
    if b == zero:
        amount = f"less than {10 ** -digits:g}"
    elif a == zero:
        amount = f"up to {b}"
    else:
        amount = a if a == b else f"{a}–{b}"
    return f"{amount} {words}".strip()


def describe(kpi: str, row) -> str:
    """One KPI's clause: "waits for assessment shorter by 4.1–7.3 days (better)"."""
    from iopsim.analysis.kpis import BY_NAME

    label = LABELS.get(kpi) or (BY_NAME[kpi].meaning if kpi in BY_NAME else kpi.replace("_", " "))
    unit = BY_NAME[kpi].unit if kpi in BY_NAME else ""
    n = int(row["n"])
    if n == 0:
        return f"{label}: no data"
    direction = row["direction"]
    if direction not in ("lower", "higher"):
        if n < 2:
            return f"{label}: {NO_CLEAR_CHANGE} (too few replications to tell)"
        return f"{label}: {NO_CLEAR_CHANGE}"
    text = f"{label} {_words(kpi, unit, direction)} by {format_amount(row['ci_low'], row['ci_high'], unit)}"
    judged = judgement(kpi, direction)
    return f"{text} ({judged})" if judged else text


def verdict(differences: pd.DataFrame, kpis: Sequence[str] | None = None) -> str:
    """Plain words for administrators, one clause per KPI, joined by "; ".

    ``differences`` is a ``paired_differences`` frame; ``kpis`` the ones to speak of (default the
    headline KPIs in ``HEADLINE`` that it holds).  Ranges are the 95% interval of the change,
    days with one decimal, shares in percentage points, counts in whole numbers; "(better)" or
    "(worse)" follows where a KPI has a better direction.  A KPI whose interval includes zero
    reads "no clear change".
    """
    if kpis is None:
        kpis = [k for k in HEADLINE if k in differences.index]
    missing = [k for k in kpis if k not in differences.index]
    if missing:
        raise ValueError(f"no differences for {missing}; known KPIs: {list(differences.index)}")
    return "; ".join(describe(k, differences.loc[k]) for k in kpis)
