"""What limits you: which of the program's constraints binds, and what relieving each would release.

Each constraint (the seats of each track, counsellor caseloads, counsellor hours, assessor
hours, standard-outpatient places) is relieved by one step, alone, and run on the same seeds
as the scenario itself (paired, common random numbers).  A constraint *binds* when relieving
it changes admissions, waits, losses or treatment received by more than chance: the paired
95% interval of the difference excludes 0 in the better direction.  Relieving one that does
not bind changes nothing, which is the lesson: a lever is only worth pulling where the limit
is.  Relieve the binding one and run again to see the next move into place.

    limits = iopsim.what_limits(scenario, reps=20)
    limits.summary     # "What limits this program: day track seats; then counsellor caseloads."
    limits.table       # one row per constraint: the relief, binding, the differences and intervals
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from iopsim.analysis import catalogue
from iopsim.analysis.comparison import compare
from iopsim.analysis.stats import NO_CLEAR_CHANGE
from iopsim.core.formatting import format_interval
from iopsim.core.scenario import Scenario

WATCHED = ("admissions_per_year", "wait_assessment_to_start_median_days", "wait_referral_to_assessment_median_days",
           "lost_before_treatment_share", "treatment_hours_mean", "op_wait_median_days")
"""What relieving a constraint may release: more admitted, shorter waits, fewer lost, more treatment."""


@dataclass(frozen=True)
class Relief:
    """One constraint and the one-step relief that tests it."""

    constraint: str
    relief: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """The answer: a sentence, and a table with one row per constraint."""

    summary: str
    table: pd.DataFrame

    def __repr__(self) -> str:
        return self.summary


def reliefs(scenario: Scenario) -> list[Relief]:
    """The constraints of `scenario`, each with a relief of one step."""
    s = scenario
    out = []
    for i, track in enumerate(s.tracks.tracks):
        who = " (clients who work or study by day)" if track.evening else ""
        out.append(Relief(f"{track.name} track seats{who}", f"one more {track.name} group of {track.group_cap}",
                          {f"tracks.tracks[{i}].groups": track.groups + 1}))
    staff, intake = s.staff, s.intake
    out += [
        Relief("IOP counsellor caseloads", "caseload cap 4 higher per counsellor",
               {"staff.iop_caseload_cap": staff.iop_caseload_cap + 4}),
        Relief("IOP counsellor hours", "8 more clinical hours a week per counsellor",
               {"staff.counsellor_hours_per_week": min(staff.counsellor_hours_per_week + 8, 80.0)}),
        Relief("assessor hours", "8 more assessment hours a week per assessor",
               {"intake.assessor_hours_per_week": min(intake.assessor_hours_per_week + 8, 168.0),
                "intake.assessors": max(intake.assessors, 1)}),
        Relief("standard outpatient places", f"one more outpatient counsellor ({staff.op_caseload_cap} places)",
               {"staff.op_counsellors": staff.op_counsellors + 1}),
    ]
    return out


def what_limits(scenario: Scenario | None = None, *, reps: int = 10, seed: Any = 0, workers: int | None = None,
                progress: Callable | None = None) -> Limits:
    """Relieve each constraint of `scenario` by one step and say which bind (see the module docstring).

    Runs 1 + (number of constraints) scenarios of `reps` replications each, on seeds (seed, i).
    """
    scenario = Scenario() if scenario is None else scenario
    tried = reliefs(scenario)
    comparison = compare(scenario, *(r.changes for r in tried), reps=reps, seed=seed, workers=workers,
                         progress=progress, names=["as it is", *(r.constraint for r in tried)])
    rows = []
    for relief, name in zip(tried, comparison.alternatives):
        diffs = comparison.differences.loc[name]
        released = [(kpi, diffs.loc[kpi]) for kpi in WATCHED if kpi in diffs.index and _better(kpi, diffs.loc[kpi])]
        admissions = diffs.loc["admissions_per_year"]
        rows.append({"constraint": relief.constraint, "relief": relief.relief, "binding": bool(released),
                     "released": "; ".join(_words(kpi, d) for kpi, d in released) or "nothing measurable",
                     "admissions_per_year_diff": admissions["mean_diff"],
                     "admissions_per_year_ci_low": admissions["ci_low"],
                     "admissions_per_year_ci_high": admissions["ci_high"],
                     "wait_for_seat_diff_days": diffs.loc["wait_assessment_to_start_median_days", "mean_diff"],
                     "reps": int(admissions["n"])})
    table = pd.DataFrame(rows)
    binding = table[table.binding].sort_values("admissions_per_year_diff", ascending=False)
    if binding.empty:
        summary = "Nothing tested limits this program: relieving any one constraint changes nothing measurable."
    else:
        summary = "What limits this program: " + "; then ".join(binding.constraint) + "."
    return Limits(summary, table)


def _better(kpi: str, d: pd.Series) -> bool:
    """True when the difference is clear (its interval excludes 0) and in the better direction."""
    better = catalogue.BY_NAME[kpi].better
    return d["direction"] != NO_CLEAR_CHANGE and d["direction"] == better


def _words(kpi: str, d: pd.Series) -> str:
    return f"{catalogue.phrase(kpi)} {format_interval(d['ci_low'], d['ci_high'], catalogue.unit(kpi), signed=True)}"
