"""Projection against what happened: fit on the records up to a date, simulate the months after it,
and compare month by month with the records of those months.  Each replication projects a
program drawn from the estimates' uncertainty, so the ranges carry what the records could not
pin down as well as chance.

The projection starts from the fitted program at its steady state, not from the program's own
waitlist and caseload on the cut date: a program far from its usual state on that date will
show it in the first months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from iopsim.core.scenario import Scenario
from iopsim.fitting.checks import MONTH, prediction_interval
from iopsim.fitting.fit import fit
from iopsim.records.episodes import Records
from iopsim.records.synthetic import model_date, simulated_records

MEASURES = ("referrals", "admissions", "discharges")


@dataclass
class Backtest:
    """Month-by-month counts observed after the cut against the projection's 95% prediction intervals."""

    cut: pd.Timestamp
    months: int
    table: pd.DataFrame  # measure, month, observed, simulated, low, high, covered

    @property
    def coverage(self) -> float:
        """The share of observed monthly counts inside their interval (95% is nominal)."""
        return float(self.table["covered"].mean())

    def bias(self) -> dict[str, float]:
        """Observed minus projected, as a share of the projection, per measure over the whole period."""
        sums = self.table.groupby("measure")[["observed", "simulated"]].sum()
        return {m: float(sums.loc[m, "observed"] / sums.loc[m, "simulated"] - 1) for m in sums.index}


def monthly_counts(records: Records, start: pd.Timestamp, months: int) -> dict[str, np.ndarray]:
    """Referrals, admissions and discharges in each month (of 365.25/12 days) from ``start``."""
    e = records.episodes
    discharged = e["admission_date"] + pd.to_timedelta(e["los_lo"].where(e["reason"] != ""), unit="D")
    dates = {"referrals": e["referral_date"], "admissions": e["admission_date"], "discharges": discharged}
    out = {}
    for measure, when in dates.items():
        month = np.floor(((when.dropna() - start).dt.days.to_numpy()) / MONTH)
        month = month[(month >= 0) & (month < months)].astype(int)
        out[measure] = np.bincount(month, minlength=months)
    return out


def backtest(records: Records, cut: pd.Timestamp, base: Scenario | None = None, *, months: int | None = None,
             reps: int = 20, seed: int = 0, correction_years: float = 4.0) -> Backtest:
    """Fit on the records before ``cut``, project ``months`` (all the records have after it if None)."""
    if not records.dated:
        raise ValueError("a TEDS-D extract has no dates, so it cannot be cut at a date: back-test program records")
    cut = pd.Timestamp(cut)
    months = months or int((records.end - cut).days // MONTH)
    if months < 1:
        raise ValueError(f"the records end {records.end:%Y-%m-%d}: choose a cut at least a month before it")
    fitted = fit(records.until(cut), base, correction_years=correction_years, seed=seed)
    observed = monthly_counts(records, cut, months)
    window = fitted.scenario.run.warm_up_days
    rng = np.random.default_rng(seed)  # each replication projects a program drawn from the estimates' uncertainty
    projected = [monthly_counts(simulated_records(fitted.drawn(rng), "program", seed=seed + 1000 + r,
                                                  years=months * MONTH / 365.25, since=0.0), model_date(window),
                                months) for r in range(reps)]
    rows = []
    for measure in MEASURES:
        for m in range(months):
            mean, low, high = prediction_interval(np.array([p[measure][m] for p in projected], float))
            count = int(observed[measure][m])
            low = max(low, 0.0)  # a count
            rows.append({"measure": measure, "month": m + 1, "observed": count, "simulated": mean,
                         "low": low, "high": high, "covered": low <= count <= high})
    return Backtest(cut, months, pd.DataFrame(rows))
