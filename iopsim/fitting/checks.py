"""The fit shown, not asserted: what the records show beside what the fitted program does.

The fitted scenario is simulated for as long as the records span, several times (each time with
its estimates drawn from their uncertainty); each
replication's records go through the same reading and the same summaries as the program's own,
and each observed figure is set against the simulated 95% prediction interval (where one more
replication would fall).  A figure outside its interval is a place where the model does not fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from iopsim.core.formatting import format_interval, format_value
from iopsim.core.vocabulary import DISCHARGE_CODES
from iopsim.fitting.fit import Fit
from iopsim.records.episodes import Records
from iopsim.records.synthetic import simulated_records

MONTH = 365.25 / 12


@dataclass(frozen=True)
class Check:
    """One figure: observed in the records, and the simulated mean with its 95% prediction interval."""

    group: str
    name: str
    unit: str
    observed: float
    simulated: float
    low: float
    high: float

    @property
    def fits(self) -> bool:
        return self.low <= self.observed <= self.high


def summaries(records: Records) -> dict[tuple[str, str, str], float]:
    """The figures compared: (group, name, unit) -> value; the same for observed and simulated records."""
    e = records.episodes
    out: dict[tuple[str, str, str], float] = {}
    done = e[e["reason"] != ""]
    for code, words in DISCHARGE_CODES.items():
        out[("Discharge mix", words.name, "share")] = float((done["reason"] == code).mean()) if len(done) else math.nan
        stays = done.loc[done["reason"] == code, "los_lo"]
        out[("Length of stay by outcome", f"median stay, {words.name}", "days")] = \
            float(stays.median()) if len(stays) else math.nan
    waits = e.loc[e["admitted"], "wait_lo"].dropna()
    out[("Waits", "median wait from placement to admission" if records.dated else "median wait (TEDS DAYWAIT, "
         "lower end of its group)", "days")] = float(waits.median()) if len(waits) else math.nan
    if records.dated:
        months = max((records.end - e["referral_date"].min()).days, 1) / MONTH
        listed = e[e["waitlist_start"].notna()]
        out[("Waits", "share of the waitlist who left without a seat", "share")] = \
            float(listed["waitlist_left"].notna().mean()) if len(listed) else math.nan
        out[("Waits", "no-show at the first appointment", "share")] = float(1 - e["showed"].dropna().mean())
        out[("Monthly flow", "referrals per month", "clients")] = len(e) / months
        out[("Monthly flow", "admissions per month", "clients")] = float(e["admitted"].sum()) / months
    return out


def check_fit(fitted: Fit, reps: int = 10, seed: int = 0) -> list[Check]:
    """Observed figures against ``reps`` replications of the fitted program over the records' span."""
    records = fitted.records
    years = (records.end - records.episodes["referral_date"].min()).days / 365.25 if records.dated else 2.0
    observed = summaries(records)
    rng = np.random.default_rng(seed)  # each span simulates a program drawn from the estimates' uncertainty
    simulated = [summaries(simulated_records(fitted.drawn(rng), records.kind, seed=seed + r, years=max(years, 0.1)))
                 for r in range(reps)]
    checks = []
    for key, value in observed.items():
        values = np.array([s.get(key, math.nan) for s in simulated], float)
        mean, low, high = prediction_interval(values)
        top = 1.0 if key[2] == "share" else math.inf  # every figure is a count, a length or a share
        checks.append(Check(*key, value, mean, max(low, 0.0), min(high, top)))
    return checks


def prediction_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% prediction interval of one more replication (t-based), from the replications given."""
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return (float(values[0]) if len(values) else math.nan), math.nan, math.nan
    mean, sd = float(values.mean()), float(values.std(ddof=1))
    half = stats.t.ppf(0.975, len(values) - 1) * sd * math.sqrt(1 + 1 / len(values))
    return mean, mean - half, mean + half


def verdict(checks: list[Check]) -> list[str]:
    """Plain sentences: where the fitted model matches the records and where it does not."""
    judged = [c for c in checks if math.isfinite(c.observed) and math.isfinite(c.low)]
    misses = [c for c in judged if not c.fits]
    if not judged:
        return ["The records were too few to compare with the model."]
    sentences = [f"{len(judged) - len(misses)} of {len(judged)} figures from the records lie within the range the "
                 "fitted model produces (its 95% prediction interval)."]
    for c in misses:
        side = "higher" if c.observed > c.high else "lower"
        sentences.append(f"{c.group}: the records' {c.name} ({format_value(c.observed, c.unit)}) is {side} than "
                         f"the model gives ({format_interval(c.low, c.high, c.unit)}); read the model's results on "
                         "this with care.")
    if not misses:
        sentences.append("Nowhere does the model fall outside what the records show; with few records this says "
                         "less than it seems, as the intervals are wide.")
    return sentences


def frame(checks: list[Check]) -> pd.DataFrame:
    return pd.DataFrame([{**c.__dict__, "fits": c.fits} for c in checks])
