"""The published figures the default model is calibrated against (MODEL.md section 4).

`check()` simulates replications of a scenario and sets each target beside the model's mean,
with its tolerance, so anyone can see how well the defaults reproduce TEDS 2004, Loveland &
Driscoll 2014, McLellan 2000 and Hunt, Barnett & Branch 1971.  Lengths of stay run from
admission to the last attended day, as TEDS measures them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from iopsim.analysis.run import simulate
from iopsim.core.scenario import Scenario

FOLLOW_UP_YEARS = 3  # long enough to see 12-month relapse for clients discharged in the window


@dataclass(frozen=True)
class Target:
    code: str
    what: str
    published: float
    low: float
    high: float
    source: str


def _pm_points(code, what, kpi_share, source, points=0.05):
    return Target(code, what, kpi_share, kpi_share - points, kpi_share + points, source)


def _pm_share(code, what, value, source, share):
    return Target(code, what, value, value * (1 - share), value * (1 + share), source)


TEDS = "TEDS 2004, 114,440 IOP discharges"
TARGETS = {
    "share_completed": _pm_points("C1", "discharges completed", 0.377, TEDS),
    "share_transferred": _pm_points("C1", "discharges transferred", 0.179, TEDS),
    "share_dropped_out": _pm_points("C1", "discharges dropped out", 0.232, TEDS),
    "share_terminated": _pm_points("C1", "discharges terminated", 0.140, TEDS),
    "share_other": _pm_points("C1", "discharges other", 0.072, TEDS),
    "los_median_days": _pm_share("C2", "median length of stay, all (days)", 41, "TEDS 2004 Table 4.11", 0.2),
    "los_median_completed_days": _pm_share("C2", "median length of stay, completers (days)", 50,
                                           "TEDS 2004 Table 4.11", 0.2),
    "los_median_dropped_out_days": _pm_share("C2", "median length of stay, dropouts (days)", 26,
                                             "TEDS 2004 Table 4.11", 0.2),
    "los_skew": Target("C3", "length of stay mean / median", 1.7, 1.3, float("inf"), "TEDS 2004"),
    "wait_referral_to_assessment_median_days": _pm_share(
        "C4", "median days referral to assessment", 6, "Loveland & Driscoll 2014", 0.5),
    "wait_assessment_to_start_median_days": _pm_share(
        "C4", "median days assessment to enrolment", 8, "Loveland & Driscoll 2014", 0.5),
    "relapse_12m_after_discharge": Target("C5", "relapsed within 12 months of discharge", 0.5, 0.4, 0.6,
                                          "McLellan et al. 2000; NIDA"),
    "relapse_6m_after_dropout": Target("C6", "dropouts relapsed within 6 months", 0.7, 0.6, 0.8,
                                       "Hunt, Barnett & Branch 1971"),
}


def check(scenario: Scenario | None = None, reps: int = 8, seed: int = 0):
    """A table of every target: published value, allowed range, model mean over `reps`, and whether it holds.

    The scenario runs for FOLLOW_UP_YEARS after its warm-up so that relapse can be followed.
    """
    scenario = Scenario() if scenario is None else scenario
    scenario = scenario.replace(**{"run.horizon_days": 365.0 * FOLLOW_UP_YEARS})
    runs = pd.DataFrame([simulate(scenario, seed=(seed, rep)).kpis for rep in range(reps)])
    means = runs.mean()
    means["los_skew"] = means["los_mean_days"] / means["los_median_days"]
    rows = []
    for kpi, t in TARGETS.items():
        value = float(means[kpi])
        rows.append({"target": t.code, "what": t.what, "published": t.published, "low": t.low, "high": t.high,
                     "model": value, "holds": t.low <= value <= t.high, "source": t.source})
    rows.append(_relapse_curve_flattens(means))
    return pd.DataFrame(rows)


def _relapse_curve_flattens(means) -> dict:
    """C6 shape: each later stretch of follow-up adds fewer relapses per month than the one before."""
    f3, f6, f12 = (float(means[f"relapse_{m}m_after_discharge"]) for m in (3, 6, 12))
    per_month = (f3 / 3, (f6 - f3) / 3, (f12 - f6) / 6)
    flattens = per_month[0] > per_month[1] > per_month[2]
    return {"target": "C6", "what": "relapse curve steep then flattening (share per month: 0-3, 3-6, 6-12)",
            "published": float("nan"), "low": float("nan"), "high": float("nan"),
            "model": float("nan"), "holds": flattens, "source": "Hunt, Barnett & Branch 1971",
            "detail": " > ".join(f"{x:.3f}" for x in per_month)}
