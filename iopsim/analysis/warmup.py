"""How long to warm up: Welch's moving average of the IOP census, the waitlist and the referrals
from an empty start.

The program starts empty, so the first weeks under-count the census and the waitlist, and the
first years the referrals: past clients who relapse and ask again come back over years.  KPIs
leave out a warm-up period (``run.warm_up_days``); this module helps choose it.

``warmup_curve`` runs a few replications with no warm-up and returns, per time bin, the mean
over replications of the time-weighted IOP census and waitlist length and of the referrals per
week, with Welch's moving average of each.  ``suggested_warm_up`` reads off the first day after
which every moving average stays settled.

The settling rule (per series): the reference level is the mean of the series over the last
quarter of the bins; the band around it is ±5% of the reference, widened to at least ±0.5
client (a waitlist averaging one client cannot be held to ±0.05 client).  A series has settled
from the first bin after which every moving-average value stays inside the band.  Look at the
curve as well: the rule assumes the run is long enough that its last quarter is steady.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from iopsim.analysis import monitors
from iopsim.analysis.experiment import replication_seed
from iopsim.analysis.kpis import levels
from iopsim.analysis.run import simulate
from iopsim.analysis.work_limits import check_reps
from iopsim.core.eventlog import Columns
from iopsim.core.scenario import Scenario

TOLERANCE = 0.05   # share of the final-quarter level
FLOOR = 0.5        # clients: the band is never narrower than this either side
SERIES = ("census", "waitlist", "referrals")


def welch_moving_average(values: Any, window: int) -> np.ndarray:
    """Welch's moving average: centred means over 2w+1 bins, shorter (2i+1) near the start.

    Bins within ``window`` of the end have no full window and are NaN.
    """
    y = np.asarray(values, dtype=float)
    m = y.size
    out = np.full(m, np.nan)
    for i in range(m):
        half = min(i, window)
        if i + half >= m:
            break
        out[i] = y[i - half:i + half + 1].mean()
    return out


def settled_from(moving: np.ndarray, values: np.ndarray) -> int | None:
    """The first bin index from which ``moving`` stays within the band (see the module); None if never."""
    m = values.size
    tail = values[m - max(1, m // 4):]
    tail = tail[~np.isnan(tail)]
    if tail.size == 0:
        return None
    reference = float(tail.mean())
    band = max(TOLERANCE * abs(reference), FLOOR)
    defined = np.flatnonzero(~np.isnan(moving))
    if defined.size == 0:
        return None
    outside = defined[np.abs(moving[defined] - reference) > band]
    if outside.size == 0:
        return int(defined[0])
    last_out = int(outside[-1])
    later = defined[defined > last_out]
    return int(later[0]) if later.size else None


def _binned(step: tuple[np.ndarray, np.ndarray], edges: np.ndarray) -> np.ndarray:
    return np.array([monitors.time_average(step, a, b) for a, b in zip(edges[:-1], edges[1:])])


def warmup_curve(scenario: Scenario | None = None, *, reps: int = 5, seed: Any = 0, days: float | None = None,
                 bin_days: float = 7, window: int = 4) -> pd.DataFrame:
    """Census, waitlist and referrals per week, per time bin from an empty start, mean over ``reps`` replications.

    Runs ``scenario`` (default: the built-in one) with no warm-up for ``days`` (default its
    warm_up_days + horizon_days), replication i with seed (seed, i), locally (the event log is
    needed).  Columns: bin, start_day, end_day, census, waitlist (time-weighted means in the bin),
    referrals (per week in the bin), each averaged over replications, with its Welch moving
    average over ``window`` bins either side (``census_ma`` ...) and whether it has settled from
    that bin on, by the rule in the module docstring (``census_settled`` ...); settled (all).
    ``frame.attrs`` holds "settled_day" per series (or NaN), "suggested_warm_up_days" (``suggested_warm_up``),
    "warm_up_days" (the scenario's current setting, for comparison), "reps", "seed", "window"
    and "bin_days".
    """
    scenario = Scenario() if scenario is None else scenario
    check_reps(reps, "reps")
    if days is None:
        days = scenario.run.warm_up_days + scenario.run.horizon_days
    if not (days > 0 and bin_days > 0 and bin_days <= days):
        raise ValueError(f"need days > 0 and 0 < bin_days <= days, got days={days!r}, bin_days={bin_days!r}")
    if not (isinstance(window, int) and window >= 1):
        raise ValueError(f"window must be a whole number of bins, at least 1, got {window!r}")
    run_scenario = scenario.replace(**{"run.warm_up_days": 0, "run.horizon_days": float(days)})
    n_bins = int(math.floor(days / bin_days + 1e-9))
    edges = np.arange(n_bins + 1) * float(bin_days)
    totals = {name: np.zeros(n_bins) for name in SERIES}
    for i in range(reps):
        log = Columns.from_log(simulate(run_scenario, seed=replication_seed(seed, i)).log)
        step = levels(log)
        totals["waitlist"] += _binned(step["waitlist"], edges)
        totals["census"] += _binned(step["census"], edges)
        totals["referrals"] += np.histogram(log.time[log.rows_of("referral")], edges)[0] * 7.0 / bin_days
    frame = pd.DataFrame({"bin": np.arange(n_bins), "start_day": edges[:-1], "end_day": edges[1:]})
    settled_day = {}
    for name in SERIES:
        values = totals[name] / reps
        moving = welch_moving_average(values, window)
        first = settled_from(moving, values)
        frame[name] = values
        frame[f"{name}_ma"] = moving
        frame[f"{name}_settled"] = (frame["bin"] >= first) if first is not None else False
        settled_day[name] = float(edges[first]) if first is not None else math.nan
    frame["settled"] = np.logical_and.reduce([frame[f"{name}_settled"] for name in SERIES])
    frame.attrs.update(settled_day=settled_day, reps=reps, seed=seed, window=window, bin_days=float(bin_days),
                       warm_up_days=float(scenario.run.warm_up_days),
                       suggested_warm_up_days=suggested_warm_up(frame))
    return frame


def suggested_warm_up(curve: pd.DataFrame) -> float:
    """Days of warm-up: the start of the first bin from which every series has settled (NaN if none)."""
    settled = curve["settled"].to_numpy(dtype=bool)
    if not settled.any():
        return math.nan
    return float(curve["start_day"].to_numpy()[int(np.argmax(settled))])
