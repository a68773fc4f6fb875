"""In IOP: plan length, dropout (with the effect of waiting), other exits, and what the records
say about discharges (the mix of reasons, the length of stay by outcome).

Lengths of stay are intervals: a date difference D allows a stay in continuous time of (D-1, D+1)
days, a TEDS group its whole range; open stays are right-censored at the end of the records.
Nothing is taken at a midpoint.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import ndtr  # the normal distribution function, quicker than stats.norm.cdf

from iopsim.core.scenario import SEVERITIES, Scenario
from iopsim.core.vocabulary import DISCHARGE_CODES
from iopsim.fitting.estimate import Estimate, exp, mle, rate, share, wald
from iopsim.records.episodes import Records, days

MIN_RECORDS = 20
WEEK = 7.0


def stay_bounds(e: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each stay's interval in continuous days, from the records' whole-day range."""
    lo = np.maximum(e["los_lo"].to_numpy(float) - 1, 0.0)
    hi = e["los_hi"].to_numpy(float) + 1
    return lo, hi


def estimate_treatment(records: Records, base: Scenario) -> list[Estimate]:
    e = records.episodes[records.episodes["admitted"] & records.episodes["los_lo"].notna()]
    out: list[Estimate] = []
    if len(e) < MIN_RECORDS:
        return out
    _plan(e, base, out)
    if records.dated:
        _dropout(e, base, out)
        _other(e, out)
    return out


def _plan(e: pd.DataFrame, base: Scenario, out: list) -> None:
    """Typical plan length by severity and its spread: completion ends the plan; any other exit, or a
    stay still open, says only that the plan was longer (censored log-normal likelihood in weeks)."""
    completed = (e["reason"] == "completed").to_numpy()
    if completed.sum() < MIN_RECORDS:
        return
    lo, hi = stay_bounds(e)
    # the plan is round(X) weeks, X log-normal: a completer's stay is round(X) weeks; a client still in
    # care after a stay of lo days had not reached the plan's end, so round(X) > lo / 7
    lower = np.where(completed, np.maximum(lo / WEEK - 0.5, 0.0), np.floor(lo / WEEK) + 0.5)
    upper = np.where(completed, hi / WEEK + 0.5, np.inf)
    by_severity = e["severity"].isin(SEVERITIES).all()
    groups = list(SEVERITIES) if by_severity else ["all"]
    index = np.array([groups.index(s) for s in e["severity"]]) if by_severity else np.zeros(len(e), int)
    base_weeks = base.treatment.planned_weeks

    def nll(theta: np.ndarray) -> float:
        mu, sigma = theta[index], exp(theta[-1])
        log_lo = np.log(np.maximum(lower, 1e-9))
        z_lo = (log_lo - mu) / sigma
        z_hi = (np.log(np.where(np.isfinite(upper), upper, 1.0)) - mu) / sigma
        p = np.where(np.isfinite(upper), ndtr(z_hi) - ndtr(z_lo), ndtr(-z_lo))
        p = np.where(lower <= 0, np.where(np.isfinite(upper), ndtr(z_hi), 1.0), p)
        return float(-np.sum(np.log(np.maximum(p, 1e-300))))

    start = [math.log(base_weeks[s]) for s in SEVERITIES] if by_severity else \
        [math.log(np.mean(list(base_weeks.values())))]
    theta, cov = mle(nll, np.array([*start, math.log(max(base.treatment.plan_spread, 0.1))]))
    for g, name in enumerate(groups):
        typical, lo_, hi_ = wald(theta[g], cov[g, g], exp)
        note = "" if by_severity else "severity not recorded: the base's plans scaled by one factor"
        out.append(Estimate(f"treatment.planned_weeks.{name}", typical, lo_, hi_, "typical weeks",
                            "interval-censored log-normal likelihood: completions end the plan, other exits and "
                            "open stays censor it", int((index == g).sum()),
                            "; ".join(m for m in ("the model rounds each plan to whole weeks and extends it for "
                                                  "clients behind on attendance", note) if m)))
    spread, s_lo, s_hi = wald(theta[-1], cov[-1, -1], exp)
    out.append(Estimate("treatment.plan_spread", spread, s_lo, s_hi, "log-scale standard deviation",
                        "same likelihood", len(e)))


def _dropout(e: pd.DataFrame, base: Scenario, out: list) -> None:
    """Weekly dropout hazard and the extra early hazard per week waited, from a piecewise-constant
    hazard by treatment week; other exits and open stays censor."""
    t = base.treatment
    waited = days(e["admission_date"], e["waitlist_start"]) / WEEK
    keep = ~np.isnan(waited)
    e, waited = e[keep], waited[keep]
    if len(e) < MIN_RECORDS:
        return
    stay = e["los_lo"].to_numpy(float)  # whole days: the bias of (D-1, D+1) is nil on average
    dropped = (e["reason"] == "dropped_out").to_numpy()
    if dropped.sum() < 5:
        return
    weeks = int(np.ceil(stay.max() / WEEK)) + 1
    w = np.arange(weeks)
    decline = (w + 1.0) ** -t.dropout_decline
    early = (w < t.engagement_weeks).astype(float)
    sessions = len(base.tracks.tracks[0].days)
    missed = (t.attendance_mean + (1 - t.attendance_mean) * t.dropout_missed_multiplier) ** sessions
    hours = w * sessions * base.tracks.tracks[0].hours * t.attendance_mean
    relapse_out = t.relapse_weekly_hazard * 0.5 ** (hours / t.relapse_halving_hours) \
        * t.relapse_outcome_shares["drop_out"]
    # each stay's exposure to each weekly term, summed over its weeks (whole weeks, then the part week)
    whole = np.minimum((stay / WEEK).astype(int), weeks - 1)
    part = stay / WEEK - whole

    def exposure(weekly: np.ndarray) -> np.ndarray:
        return np.r_[0.0, np.cumsum(weekly)][whole] + part * weekly[whole]

    plain, waiting, relapse = exposure(decline), exposure(decline * early), exposure(relapse_out)
    at_exit = (decline[whole], early[whole] * decline[whole], relapse_out[whole])

    def nll(theta: np.ndarray) -> float:
        h, k = exp(theta[0]), exp(theta[1])
        cumulative = h * missed * (plain + k * waited * waiting) + relapse
        hazard = h * missed * (at_exit[0] + k * waited * at_exit[1]) + at_exit[2]
        return float(np.sum(cumulative) - np.sum(np.log(hazard[dropped])))

    theta, cov = mle(nll, np.array([math.log(max(t.dropout_weekly_hazard, 1e-3)),
                                    math.log(max(t.wait_dropout_per_week, 0.05))]))
    h, lo, hi = wald(theta[0], cov[0, 0], exp)
    k, k_lo, k_hi = wald(theta[1], cov[1, 1], exp)
    mapping = (f"the week's hazard is h x {missed:.3g} (sessions missed, at the base's attendance) x (week+1)^-"
               f"{t.dropout_decline:g} (dropout_decline, kept) x (1 + k x weeks waited) in the first "
               f"{t.engagement_weeks} weeks, plus the base's dropouts after a relapse in treatment")
    out.append(Estimate("treatment.dropout_weekly_hazard", h, lo, hi, "per week",
                        "piecewise-constant hazard likelihood by treatment week", len(e), mapping))
    out.append(Estimate("treatment.wait_dropout_per_week", k, k_lo, k_hi, "per week waited", "same likelihood",
                        len(e), "weeks waited = (admission date - placement date) / 7"))


def _other(e: pd.DataFrame, out: list) -> None:
    """The steady weekly hazard of other exits (moved, incarcerated, death): exits over weeks in IOP."""
    weeks = e["los_lo"].to_numpy(float).sum() / WEEK
    n = int((e["reason"] == "other").sum())
    value, lo, hi = rate(n, weeks)
    out.append(Estimate("treatment.other_weekly_hazard", value, lo, hi, "per week",
                        "constant hazard: exits over weeks in IOP (exact Poisson interval)", len(e),
                        "TEDS 'incarcerated' and 'death' count as other"))


# ------------------------------------------------------------------------------ what happened
def discharge_mix(records: Records) -> list[Estimate]:
    """The share of IOP discharges with each reason."""
    reasons = records.episodes["reason"]
    done = reasons[reasons != ""]
    out = []
    for code, words in DISCHARGE_CODES.items():
        p, lo, hi = share(int((done == code).sum()), max(len(done), 1))
        out.append(Estimate(f"discharges: {words.name}", p, lo, hi, "share", "binomial share (Wilson interval)",
                            len(done)))
    return out


def stay_by_outcome(records: Records) -> list[Estimate]:
    """Median length of stay for each discharge reason: a log-normal fitted to the stays' intervals."""
    e = records.episodes
    out = []
    for code, words in DISCHARGE_CODES.items():
        rows = e[e["reason"] == code]
        if len(rows) < 10:
            continue
        lo, hi = stay_bounds(rows)
        lo = np.maximum(lo, 0.5)  # a same-day stay: under a day

        def nll(theta: np.ndarray, lo=lo, hi=hi) -> float:
            sigma = exp(theta[1])
            p = ndtr((np.log(hi) - theta[0]) / sigma) - ndtr((np.log(lo) - theta[0]) / sigma)
            return float(-np.sum(np.log(np.maximum(p, 1e-300))))

        theta, cov = mle(nll, np.array([np.log(np.median(lo + 1)), 0.0]))
        median, m_lo, m_hi = wald(theta[0], cov[0, 0], exp)
        out.append(Estimate(f"median stay: {words.name}", median, m_lo, m_hi, "days",
                            "interval-censored log-normal likelihood", len(rows)))
    return out
