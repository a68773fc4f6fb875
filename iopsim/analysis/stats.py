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
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtrit  # scipy.stats.t.ppf is stdtrit underneath; scipy.special imports faster

from iopsim.analysis import catalogue
from iopsim.core.formatting import as_float, format_amount

SUMMARY_COLUMNS = ("mean", "sd", "ci_low", "ci_high", "n", "unit", "meaning")
DIFFERENCE_COLUMNS = ("mean_diff", "sd_diff", "ci_low", "ci_high", "n", "baseline_mean", "alternative_mean",
                      "direction")
NO_CLEAR_CHANGE = "no clear change"
NOT_ENOUGH = "not enough replications to tell"
TOLERANCE = {"days": 1.0, "hours": 2.0, "share": 0.02}
"""The precision a verdict asks of a paired difference, by unit: its 95% interval's half-width at
most 1 day, 2 hours or 2 percentage points; other units RELATIVE_TOLERANCE of the baseline."""
RELATIVE_TOLERANCE = 0.05



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
    rows = []
    for name in per_rep.columns:
        mean, sd, low, high, n = t_interval(per_rep[name].to_numpy(dtype=float), confidence)
        kpi = catalogue.BY_NAME.get(name)
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
    """"better", "worse" or "" for a KPI that moved in ``direction`` (the catalogue's better direction)."""
    better = catalogue.BY_NAME[kpi].better if kpi in catalogue.BY_NAME else ""
    if not better or direction not in ("lower", "higher"):
        return ""
    return "better" if direction == better else "worse"


def tolerance(name: str, baseline_mean: float) -> float:
    """The half-width below which a difference of KPI ``name`` counts as measured (see TOLERANCE)."""
    unit = catalogue.unit(name)
    if unit in TOLERANCE:
        return TOLERANCE[unit]
    base = abs(as_float(baseline_mean))
    return RELATIVE_TOLERANCE * base if math.isfinite(base) and base > 0 else math.inf


def too_wide(row: Any, name: str) -> bool:
    """True when a difference is neither clear (its interval holds 0) nor narrower than its tolerance:
    the replications cannot tell whether the KPI moved by an amount that matters."""
    low, high = as_float(row.get("ci_low")), as_float(row.get("ci_high"))
    if not (math.isfinite(low) and math.isfinite(high)):
        return True
    if low > 0 or high < 0:
        return False
    return (high - low) / 2 > tolerance(name, row.get("baseline_mean"))


def reading(row: Any, name: str, precise: bool = False) -> tuple[str, str]:
    """``(kind, words)`` for one row of differences; kind is better, worse, changed or unclear.

    precise: a row whose interval holds 0 and is wider than its ``tolerance`` reads
    "not enough replications to tell" (kind "unclear") rather than "no clear change".

    The direction is the row's ``direction`` ("higher", "lower" or "no clear change", as
    ``paired_differences`` gives it) or, where that is missing, read from the 95% interval: a
    clear change when the interval lies wholly above or below zero.  "better"/"worse" follow
    from the KPI's better direction in the catalogue; KPIs such as utilisation have none.
    """
    get = row.get if hasattr(row, "get") else (lambda key, default=None: default)
    direction = get("direction")
    if direction not in ("higher", "lower", NO_CLEAR_CHANGE):
        low, high = as_float(get("ci_low")), as_float(get("ci_high"))
        direction = ("higher" if low > 0 else "lower" if high < 0 else NO_CLEAR_CHANGE) \
            if math.isfinite(low) and math.isfinite(high) else NO_CLEAR_CHANGE
    if direction == NO_CLEAR_CHANGE:
        return "unclear", NOT_ENOUGH if precise and too_wide(row, name) else NO_CLEAR_CHANGE
    judged = judgement(name, direction)
    return (judged, f"{direction} ({judged})") if judged else ("changed", direction)


def direction_words(row: Any, name: str) -> str:
    """How one KPI moved: 'lower (better)', 'higher (worse)', 'higher', or 'no clear change'."""
    return reading(row, name)[1]


# ------------------------------------------------------------------------------- verdicts
def _words(kpi: str, unit: str, direction: str) -> str:
    if unit in ("days", "hours") or kpi.startswith("los_"):
        return {"lower": "shorter", "higher": "longer"}[direction]
    if unit == "clients" and kpi in ("waitlist_mean", "waitlist_max"):
        return {"lower": "shorter", "higher": "longer"}[direction]
    return direction


def describe(kpi: str, row, precise: bool = False) -> str:
    """One KPI's clause: "waits for assessment shorter by 4.1–7.3 days (better)".

    precise: an unclear change says whether it is small ("no clear change (at most 0.8 days
    either way)") or whether the replications cannot tell ("not enough replications to tell:
    somewhere from 1.2 days shorter to 3.0 longer"), by ``too_wide``."""
    label, unit = catalogue.phrase(kpi), catalogue.unit(kpi)
    n = int(row["n"])
    if n == 0:
        return f"{label}: no data"
    direction = row["direction"]
    if direction not in ("lower", "higher"):
        if n < 2:
            return f"{label}: {NO_CLEAR_CHANGE} (too few replications to tell)"
        if precise and too_wide(row, kpi):
            low, high = row["ci_low"], row["ci_high"]
            return (f"{label}: {NOT_ENOUGH} (somewhere from {format_amount(low, low, unit)} "
                    f"{_words(kpi, unit, 'lower')} to {format_amount(high, high, unit)} {_words(kpi, unit, 'higher')})")
        if precise:
            bound = max(abs(row["ci_low"]), abs(row["ci_high"]))
            amount = format_amount(bound, bound, unit)
            amount = amount if amount.startswith("less than") else f"at most {amount}"
            return f"{label}: {NO_CLEAR_CHANGE} ({amount} either way)"
        return f"{label}: {NO_CLEAR_CHANGE}"
    text = f"{label} {_words(kpi, unit, direction)} by {format_amount(row['ci_low'], row['ci_high'], unit)}"
    judged = judgement(kpi, direction)
    return f"{text} ({judged})" if judged else text


def verdict(differences: pd.DataFrame, kpis: Sequence[str] | None = None, precise: bool = False) -> str:
    """Plain words for administrators, one clause per KPI, joined by "; ".

    ``differences`` is a ``paired_differences`` frame; ``kpis`` the ones to speak of (default the
    headline KPIs, ``catalogue.HEADLINE``, that it holds).  Ranges are the 95% interval of the change,
    days with one decimal, shares in percentage points, counts in whole numbers; "(better)" or
    "(worse)" follows where a KPI has a better direction.  A KPI whose interval includes zero
    reads "no clear change"; with ``precise``, "not enough replications to tell" where it is also
    wider than the KPI's ``tolerance`` (see ``describe``).
    """
    if kpis is None:
        kpis = [k for k in catalogue.HEADLINE if k in differences.index]
    missing = [k for k in kpis if k not in differences.index]
    if missing:
        raise ValueError(f"no differences for {missing}; known KPIs: {list(differences.index)}")
    return "; ".join(describe(k, differences.loc[k], precise) for k in kpis)
