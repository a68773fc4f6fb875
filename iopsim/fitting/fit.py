"""``iopsim.fit``: a scenario fitted to a program's records, with what was estimated and what was kept.

Each estimator reads the episodes it can use and returns estimates named by the scenario
parameter they set (``placement.iop_share.low``, ``intake.show_curve[1]``); the fitted scenario
is the base with those values written in, validated as any scenario is.  Every other parameter
is kept from the base and listed so.

Where the model's structure makes a plain estimator biased (plans extended for clients behind
on attendance, dropout after a relapse, relapse on the waitlist), the bias is measured by
simulation and taken out: the fitted scenario is simulated, the same estimators read its
records, and each such estimate is scaled by written value / re-estimated value (a one-step
parametric-bootstrap bias correction).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from iopsim.core import paths
from iopsim.core.errors import Problem
from iopsim.core.scenario import Scenario
from iopsim.fitting.estimate import Z95, Estimate
from iopsim.fitting.intake import estimate_intake
from iopsim.fitting.referrals import estimate_referrals
from iopsim.fitting.treatment import discharge_mix, estimate_treatment, stay_by_outcome
from iopsim.records.episodes import Records
from iopsim.records.reading import read_records
from iopsim.records.synthetic import simulated_records

ESTIMATORS = (estimate_referrals, estimate_intake, estimate_treatment)
CORRECTED = ("tracks.patience_mean_days", "treatment.planned_weeks", "treatment.plan_spread",
             "treatment.dropout_weekly_hazard", "treatment.wait_dropout_per_week")
SHARES = ("referrals.source_shares", "referrals.severity_shares")  # written, then scaled to add up to 1
LIMITS = {"referrals.per_week": (0.0, 500.0), "referrals.trend_per_year": (-0.9, 5.0),
          "tracks.patience_mean_days": (0.01, 3650.0), "treatment.plan_spread": (0.0, 2.0),
          "treatment.wait_dropout_per_week": (0.0, 10.0), "treatment.dropout_weekly_hazard": (0.0, 5.0),
          "treatment.other_weekly_hazard": (0.0, 5.0)}
_PATH = re.compile(r"(\w+)\.(\w+)(?:\[(\d+)\]|\.(\w+))?$")


@dataclass
class Fit:
    """A fitted scenario, the estimates behind it, what was observed, and what the base kept."""

    scenario: Scenario
    estimates: list[Estimate]
    observed: list[Estimate]  # what the records show that is not a parameter (discharge mix, stays)
    kept: list[str]  # parameter paths kept from the base
    records: Records = field(repr=False)
    base: Scenario = field(default_factory=Scenario, repr=False)

    def drawn(self, rng: np.random.Generator) -> Scenario:
        """The fitted scenario with every estimate drawn from its uncertainty (normal on the log scale
        for positive quantities): projections from several draws carry the estimates' uncertainty."""
        draws = []
        for e in self.estimates:
            if e.value == 0:  # nothing of it in the records (referrals on a Sunday): none in any draw
                value = 0.0
            elif e.low > 0:
                value = math.exp(rng.normal(math.log(e.value), (math.log(e.high) - math.log(e.low)) / (2 * Z95)))
            else:
                value = rng.normal(e.value, e.se) if math.isfinite(e.se) else e.value
            draws.append(replace(e, value=value))
        return written(self.base, draws, self.scenario.name)

    @property
    def warnings(self) -> list[Problem]:
        return self.records.warnings

    def estimate(self, parameter: str) -> Estimate:
        return next(e for e in self.estimates if e.parameter == parameter)

    def summary(self) -> str:
        """The estimates as lines of text (no record is shown, only counts)."""
        n = len(self.records)
        lines = [f"Fitted from {n:,} episode{'s' if n != 1 else ''} ({self.records.kind} records)."]
        if not self.estimates:
            lines.append("  Too few records to estimate anything: each estimate needs at least 20 episodes that "
                         "speak to it.")
        for e in self.estimates:
            lines.append(f"  {e.parameter}: {e.value:.4g} ({e.low:.4g} to {e.high:.4g}) {e.unit}; "
                         f"{e.method}; {e.used:,} records")
        lines.append(f"Kept from the base scenario: {len(self.kept)} parameters.")
        return "\n".join(lines)


def fit(records: Any, base: Scenario | None = None, *, name: str | None = None, correction_years: float = 4.0,
        seed: int = 0) -> Fit:
    """Fit ``base`` (the built-in program if None) to records: a path to a records file, or Records.

    ``correction_years`` of the fitted program are simulated to take out the estimators' bias
    (0: no correction, quicker, and the estimates in CORRECTED keep a known bias).
    """
    base = Scenario() if base is None else base
    records = records if isinstance(records, Records) else read_records(records)
    title = (name or f"Fitted to {records.kind} records")[:120]
    estimates = estimate_all(records, base)
    scenario = written(base, estimates, title)
    if correction_years > 0 and any(_corrected(e) for e in estimates):
        again = {e.parameter: e for e in estimate_all(simulated_records(scenario, records.kind, seed,
                                                                        correction_years), base)}
        estimates = [_unbiased(e, again.get(e.parameter), scenario) for e in estimates]
        scenario = written(base, estimates, title)
    changed = {_field(e.parameter) for e in estimates}
    every = [p for p in paths.flatten(base.to_dict()) if p != "name"]
    kept = [p for p in every if not any(p == c or p.startswith((c + ".", c + "[")) for c in changed)]
    return Fit(scenario, estimates, discharge_mix(records) + stay_by_outcome(records), kept, records, base)


def estimate_all(records: Records, base: Scenario) -> list[Estimate]:
    return [e for estimator in ESTIMATORS for e in estimator(records, base)]


def written(base: Scenario, estimates: list[Estimate], name: str) -> Scenario:
    """The base scenario with every estimate written into its parameter (clamped to what it allows)."""
    data = base.to_dict()
    for e in estimates:
        group, name_, index, key = _PATH.match(e.parameter).groups()
        target = data[group][name_]
        if name_ == "planned_weeks":
            value = int(min(max(round(e.model_value), 1), data["treatment"]["max_weeks"]))
        else:
            low, high = LIMITS.get(f"{group}.{name_}", (0.0, 1.0))  # shares and probabilities by default
            value = min(max(e.model_value, low), high)
        if index is not None and name_ == "show_curve":
            target[int(index)][1] = round(value, 5)
        elif index is not None:
            target[int(index)] = round(value, 5)
        elif key is not None:
            for k in (list(target) if key == "all" else [key]):
                target[k] = value if isinstance(value, int) else round(value, 5)
        else:
            data[group][name_] = round(value, 5)
    for path in SHARES:
        shares = paths.read(data, path)
        total = sum(shares.values())
        paths.write(data, path, {k: v / total for k, v in shares.items()} if total > 0 else shares)
    placement = data["placement"]
    for s, p in placement["iop_share"].items():
        placement["higher_level_share"][s] = min(placement["higher_level_share"][s], 1 - p)
    data["name"] = name
    return Scenario.from_dict(data)


def _field(parameter: str) -> str:
    group, name, _, _ = _PATH.match(parameter).groups()
    return f"{group}.{name}"


def _corrected(e: Estimate) -> bool:
    return _field(e.parameter) in CORRECTED


def _unbiased(e: Estimate, again: Estimate | None, scenario: Scenario) -> Estimate:
    """``e`` scaled by (value written / value re-estimated from the written program's own records)."""
    if not _corrected(e) or again is None or again.value <= 0:
        return e
    group, name, _, key = _PATH.match(e.parameter).groups()
    truth = getattr(getattr(scenario, group), name)
    truth = truth[key] if key and key != "all" else (min(truth.values()) if key == "all" else truth)
    factor = float(truth) / again.model_value
    return replace(e, value=e.value * factor, low=e.low * factor, high=e.high * factor, corrected=True,
                   method=e.method + "; bias taken out by simulation")
