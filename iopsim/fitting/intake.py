"""From referral to a seat: show rate by booking delay, placement at assessment, and waitlist patience.

Program records only (a TEDS-D extract has no appointments and no waitlist).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from iopsim.core.relapse import RelapseCurves
from iopsim.core.scenario import SEVERITIES, Scenario
from iopsim.fitting.estimate import Estimate, exp, expit, mle, share, wald
from iopsim.records.episodes import Records, days

MIN_RECORDS = 20
MIN_WEIGHT = 10.0  # appointments' worth of data near a point of the show curve to estimate it


def estimate_intake(records: Records, base: Scenario) -> list[Estimate]:
    if not records.dated:
        return []
    out: list[Estimate] = []
    _show_curve(records.episodes, base, out)
    _placement(records.episodes, out)
    _patience(records, base, out)
    return out


def _show_curve(e: pd.DataFrame, base: Scenario, out: list) -> None:
    """The probability of showing at each point of the base's show curve (binomial likelihood of the
    model's straight lines between the points); points the delays seen do not reach are kept."""
    first = e[e["showed"].notna() & e["booking_delay"].notna()]
    if len(first) < MIN_RECORDS:
        return
    knots = np.array([d for d, _ in base.intake.show_curve], float)
    kept = np.array([p for _, p in base.intake.show_curve], float)
    delay, showed = first["booking_delay"].to_numpy(float), first["showed"].to_numpy(float)
    weight = np.stack([np.interp(delay, knots, np.eye(len(knots))[k]) for k in range(len(knots))], axis=1)
    free = weight.sum(axis=0) >= MIN_WEIGHT
    if not free.any():
        return

    def probabilities(theta: np.ndarray) -> np.ndarray:
        p = kept.copy()
        p[free] = 1 / (1 + np.exp(-theta))
        return p

    def nll(theta: np.ndarray) -> float:
        q = np.clip(weight @ probabilities(theta), 1e-9, 1 - 1e-9)
        return float(-np.sum(showed * np.log(q) + (1 - showed) * np.log(1 - q)))

    start = np.log(kept[free] / (1 - kept[free]))
    theta, cov = mle(nll, np.clip(start, -5, 5))
    for j, k in enumerate(np.flatnonzero(free)):
        p, lo, hi = wald(theta[j], cov[j, j], expit)
        out.append(Estimate(f"intake.show_curve[{k}]", p, lo, hi, f"probability of showing at {knots[k]:g} days",
                            "binomial likelihood, straight lines between the curve's points", int(
                                (weight[:, k] > 0).sum()),
                            "booking delay = assessment date - referral date (whole days); first appointments only"))


def _placement(e: pd.DataFrame, out: list) -> None:
    """Shares placed in IOP and at a higher level, by severity ('all' when severity is not recorded)."""
    assessed = e[e["booking_delay"].notna() & e["placement"].isin(["iop", "higher", "op"])]
    if len(assessed) < MIN_RECORDS:
        return
    by_severity = assessed["severity"].isin(SEVERITIES).all()
    groups = [(s, assessed[assessed["severity"] == s]) for s in SEVERITIES] if by_severity else \
        [("all", assessed)]
    note = "" if by_severity else "severity not recorded: one share for every severity"
    for sev, rows in groups:
        if len(rows) < MIN_RECORDS:
            continue
        for path, value in (("placement.iop_share", "iop"), ("placement.higher_level_share", "higher")):
            p, lo, hi = share(int((rows["placement"] == value).sum()), len(rows))
            out.append(Estimate(f"{path}.{sev}", p, lo, hi, "share", "multinomial share (Wilson interval)",
                                len(rows), note))


def _patience(records: Records, base: Scenario, out: list) -> None:
    """Mean patience on the waitlist: time to leaving without a seat, with admission and the end of the
    records as censoring, and the model's other way off the list (relapse while waiting) as a known
    competing risk from the base scenario."""
    e = records.episodes
    waiting = e[e["waitlist_start"].notna()]
    if len(waiting) < MIN_RECORDS:
        return
    stop = waiting["waitlist_left"].fillna(waiting["admission_date"]).fillna(records.end)
    t = np.maximum(days(stop, waiting["waitlist_start"]), 0.0)
    left = waiting["waitlist_left"].notna().to_numpy()
    other = _relapse_leave_hazard(waiting, t, base)
    if left.sum() < 5:
        return

    def nll(theta: np.ndarray) -> float:
        h = exp(-theta[0])
        return float(-np.sum(np.log(h + other[left])) + h * t.sum())

    theta, cov = mle(nll, np.array([math.log(max(t.sum() / left.sum(), 1.0))]))
    mean, lo, hi = wald(theta[0], cov[0, 0], exp)
    out.append(Estimate("tracks.patience_mean_days", mean, lo, hi, "days (exponential)",
                        "censored exponential likelihood, relapse-and-leave as a competing risk", len(waiting),
                        "every departure from the list without a seat counts; the part the base's relapse-while-"
                        "waiting rule explains (relapse.untreated, referrals.abstinent_share, "
                        "relapse.leave_waitlist_after_relapse, kept) is taken out"))


def _relapse_leave_hazard(waiting: pd.DataFrame, t: np.ndarray, base: Scenario) -> np.ndarray:
    """Each waiting client's hazard, at the time they left, of leaving after a relapse (the base's rule)."""
    curves = RelapseCurves(base.relapse)
    leave = base.relapse.leave_waitlist_after_relapse
    step_down = (waiting["source"] == "step_down").to_numpy()
    new = (waiting["returning"] != 1).to_numpy()
    abstinent = np.where(step_down, 1.0, np.where(new, base.referrals.abstinent_share, 0.0))
    hazard = np.empty(len(t))
    for i, (when, sd) in enumerate(zip(np.maximum(t, 0.5), step_down)):
        curve = curves.after(0.0, finished=bool(sd))
        f = (curve.relapsed_by(when + 0.25) - curve.relapsed_by(when - 0.25)) / 0.5
        survive = 1 - abstinent[i] * leave * curve.relapsed_by(when)
        hazard[i] = abstinent[i] * leave * f / survive
    return hazard
