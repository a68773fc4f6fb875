"""Referrals from the records: the weekly rate with its weekday profile and trend, where clients
come from, how severe, and how many were treated before.

Only new referrals count for the rate and shares (``returning`` = no): the model adds its own
readmissions on top of ``referrals.per_week``.  Program records only; a TEDS-D extract has no
dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iopsim.core.scenario import SEVERITIES, Scenario
from iopsim.fitting.estimate import Estimate, exp, mle, share, wald
from iopsim.records.episodes import Records

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MODEL_SOURCES = ("community", "step_down", "step_up", "justice")
MIN_RECORDS = 20


def new_referrals(records: Records) -> tuple[pd.DataFrame, str]:
    """The rows the model's new-referral stream stands for, and a note when that is not known."""
    e = records.episodes
    if e["returning"].isna().all():
        return e, ("the records do not say which clients came back (column 'returning'), so every referral "
                   "counts as new; the model adds its own readmissions on top")
    return e[e["returning"] == 0], ""


def estimate_referrals(records: Records, base: Scenario) -> list[Estimate]:
    """Rate, weekday profile and trend (Poisson likelihood on daily counts), source and severity shares,
    and the share treated before."""
    if not records.dated:
        return []
    new, note = new_referrals(records)
    out: list[Estimate] = []
    if len(new) >= MIN_RECORDS:
        _rate(new, records.end, base, note, out)
        for column, names, path in (("source", MODEL_SOURCES, "referrals.source_shares"),
                                    ("severity", SEVERITIES, "referrals.severity_shares")):
            known = new[new[column].isin(names)]
            if len(known) >= MIN_RECORDS:
                _shares(known[column], names, path, out)
    prior = new["prior"].dropna()
    if len(prior) >= MIN_RECORDS:
        p, lo, hi = share(prior.sum(), len(prior))
        out.append(Estimate("referrals.prior_episode_share", p, lo, hi, "share", "binomial share (Wilson interval)",
                            len(prior), "the share of new referrals with an earlier episode anywhere"))
    return out


def _rate(new: pd.DataFrame, end: pd.Timestamp, base: Scenario, note: str, out: list) -> None:
    first = new["referral_date"].min()
    span = int((end - first).days) + 1
    day = (new["referral_date"] - first).dt.days.to_numpy()
    counts = np.bincount(day, minlength=span)
    weekday = (first.day_of_week + np.arange(span)) % 7
    by_day = np.bincount(weekday, weights=counts, minlength=7)
    days_of = np.bincount(weekday, minlength=7)
    profile = by_day / np.maximum(days_of, 1)  # referrals per calendar day of each weekday
    weights = profile / profile.max()
    x = np.arange(span) / 365.0
    open_ = weights[weekday] > 0  # a weekday with no referral at all has weight 0 and no likelihood
    w_day, x, counts = (weights[weekday] / weights.sum())[open_], x[open_], counts[open_]

    def nll(theta: np.ndarray) -> float:
        lam = exp(theta[0]) * w_day * (1 + theta[1] * x)
        if np.any(lam <= 0):
            return 1e12
        return float(np.sum(lam) - np.sum(counts * np.log(lam)))

    theta, cov = mle(nll, np.array([np.log(max(len(new), 1) / span * 7), 0.0]))
    weekly, lo, hi = wald(theta[0], cov[0, 0], exp)
    trend, t_lo, t_hi = wald(theta[1], cov[1, 1])
    # the model's trend runs from its day 0, before the warm-up: per_week is set so the rate at the end of
    # the warm-up (the start of the reported years) is the records' rate at their first day
    at_start = 1 + trend * base.run.warm_up_days / 365
    mapping = "per_week = the records' weekly rate at their first day" + (
        f", divided by {at_start:.3g} (the fitted trend over the model's warm-up)" if abs(trend) > 1e-9 else "")
    out.append(Estimate("referrals.per_week", weekly, lo, hi, "clients/week",
                        "Poisson likelihood on daily counts with weekday profile and linear trend", len(new),
                        "; ".join(m for m in (mapping, note) if m), scale=1 / max(at_start, 0.1)))
    out.append(Estimate("referrals.trend_per_year", trend, t_lo, t_hi, "fractional change per year",
                        "same likelihood", len(new)))
    total = by_day.sum()
    for d in range(7):  # the model reads only the weights' ratios: they are given as shares of the week
        p, s_lo, s_hi = share(by_day[d], total)
        out.append(Estimate(f"referrals.weekday_weights[{d}]", p, s_lo, s_hi, f"share of the week ({DAYS[d]})",
                            "share of referrals on the weekday (multinomial, Wilson interval)", len(new),
                            "weights written as each weekday's share of the week's referrals"))


def _shares(values: pd.Series, names: tuple[str, ...], path: str, out: list) -> None:
    n = len(values)
    counts = values.value_counts()
    for name in names:
        p, lo, hi = share(counts.get(name, 0), n)
        out.append(Estimate(f"{path}.{name}", p, lo, hi, "share", "multinomial share (Wilson interval)", n))
