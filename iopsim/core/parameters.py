"""Every parameter of a scenario with its value, unit, allowed range and source, read from the model.

    from iopsim.core import parameters
    parameters.table()                          # one row per parameter of the default scenario
    parameters.info("treatment.attendance_mean")  # one parameter: value, unit, limits, source
    parameters.replace(scenario, {"tracks.tracks[1].groups": 0, "referrals.per_week": 9})

Nothing here is written per parameter: walking the pydantic ``Scenario`` gives every field its
unit and source (``json_schema_extra``) and its limits (``ge``/``gt``/``le``/``lt``), so a new
parameter in ``iopsim/scenario.py`` shows up in the table by itself.  A source that starts with
"assumption" is flagged as one: the trainee's answer to "where does this number come from?".

Paths follow the one syntax of ``iopsim.core.paths``: dotted names, a list item by its position
in brackets (``tracks.tracks[0].hours`` is the first track's hours a day).  ``get`` reads any
path, ``replace`` changes any number of them and validates the whole scenario once, so every
change is checked by the model, across fields too.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any, Iterator

import annotated_types as at
import pandas as pd
from pydantic import BaseModel

from iopsim.core import paths
from iopsim.core.errors import ScenarioError, describe
from iopsim.core.formatting import show_value
from iopsim.core.scenario import Scenario

# fields inside a sub-model that carry no source of their own take their parent's; these say their unit
_UNITS = {"shape": "Weibull shape (below 1: the risk is highest early and falls)", "scale_days": "days (Weibull scale)",
          "never_relapse": "share who never relapse (where the curve flattens)"}
_SKIP = {"name"}  # labels, not parameters


@dataclass(frozen=True)
class Parameter:
    """One scenario field: where it lives, its value, unit, limits and where the value comes from."""

    path: str
    group: str
    value: Any
    unit: str
    source: str
    annotation: Any
    low: float | None = None  # limits from the model; low_open / high_open when the bound itself is excluded
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    allowed: str = ""
    label: str = ""  # a plainer name where the path holds a list position: "evening track: hours"

    @property
    def name(self) -> str:
        """The path without its group, or the label where there is one."""
        return self.label or (self.path.split(".", 1)[1] if "." in self.path else self.path)

    @property
    def evidence(self) -> str:
        """'assumption', 'calibrated', 'example' or 'published', from the first word of the source."""
        first = self.source.split(":")[0].split(",")[0].strip().lower()
        if first.startswith("assumption") or not self.source:
            return "assumption"
        if first.startswith("calibrated"):
            return "calibrated"
        if first.startswith("example"):
            return "example"
        return "published"

    @property
    def is_assumption(self) -> bool:
        return self.evidence == "assumption"

    @property
    def choices(self) -> tuple | None:
        """The allowed values of a field that takes one of a few words (a Literal), else None."""
        if typing.get_origin(self.annotation) is typing.Literal:
            return typing.get_args(self.annotation)
        return None

    def contains(self, value: float) -> bool:
        """Whether a number lies inside the field's limits."""
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            return False
        return True


# ---------------------------------------------------------------------------- walking the model
def walk(scenario: Scenario | None = None) -> Iterator[Parameter]:
    """Every parameter of `scenario` (the default if None), group by group, in the model's order."""
    scenario = Scenario() if scenario is None else scenario
    for group, field in type(scenario).model_fields.items():
        if group in _SKIP:
            continue
        yield from _walk_model(getattr(scenario, group), group, group)


def _walk_model(model: BaseModel, path: str, group: str, inherited: tuple[str, str] = ("", ""),
                label: str = "") -> Iterator[Parameter]:
    for name, field in type(model).model_fields.items():
        if name in _SKIP:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        source = str(extra.get("source", inherited[0]))
        unit = str(extra.get("unit", "")) or _UNITS.get(name, inherited[1])
        value = getattr(model, name)
        here = f"{path}.{name}"
        if isinstance(value, BaseModel):
            yield from _walk_model(value, here, group, (source, unit), label and f"{label}.{name}")
        elif isinstance(value, tuple) and value and all(isinstance(v, BaseModel) for v in value):
            for i, item in enumerate(value):  # the tracks: one set of rows per track, reached by position
                named = getattr(item, "name", None)
                yield from _walk_model(item, f"{here}[{i}]", group, (source, unit), f"{named} track" if named else "")
        else:
            yield _parameter(here, group, value, unit, source, field.annotation, field.metadata,
                             label and f"{label}: {name}")


def _parameter(path, group, value, unit, source, annotation, metadata, label="") -> Parameter:
    low = high = None
    low_open = high_open = False
    for m in metadata:
        if isinstance(m, at.Ge):
            low = m.ge
        elif isinstance(m, at.Gt):
            low, low_open = m.gt, True
        elif isinstance(m, at.Le):
            high = m.le
        elif isinstance(m, at.Lt):
            high, high_open = m.lt, True
    return Parameter(path, group, value, unit, source, annotation, low, high, low_open, high_open,
                     describe(annotation, metadata), label)


def info(path: str, scenario: Scenario | None = None) -> Parameter:
    """One parameter by its path (``"staff.iop_counsellors"``, ``"tracks.tracks[0].hours"``)."""
    scenario = Scenario() if scenario is None else scenario
    group = path.split(".", 1)[0]
    if group in type(scenario).model_fields and group not in _SKIP:
        for p in _walk_model(getattr(scenario, group), group, group):
            if p.path == path:
                return p
    raise ScenarioError([(path, None, "an existing parameter path (see iopsim.core.parameters.table())")])


def get(scenario: Scenario, path: str) -> Any:
    """The value at a path, as the scenario holds it (a track is a Track, a list a tuple)."""
    try:
        return paths.read(scenario, path)
    except paths.PathError:
        raise ScenarioError([(path, None, "an existing parameter path")]) from None


# ------------------------------------------------------------------------------- changing it
def replace(scenario: Scenario | None, changes: dict[str, Any]) -> Scenario:
    """A new, validated scenario with `changes` ({path: value}), list items too (``tracks.tracks[1].groups``)."""
    scenario = Scenario() if scenario is None else scenario
    return scenario.replace(**changes)


# ------------------------------------------------------------------------------------ the table
def table(scenario: Scenario | None = None):
    """Every parameter as a DataFrame: group, parameter, value, unit, allowed, evidence, source, path.

    `evidence` is 'published', 'calibrated', 'example' or 'assumption'; `assumption` is True on
    the rows whose number no published figure backs.
    """
    rows = [{"group": p.group, "parameter": p.name, "value": show_value(p.value), "unit": p.unit,
             "allowed": p.allowed, "evidence": p.evidence, "assumption": p.is_assumption,
             "source": p.source or "assumption", "path": p.path} for p in walk(scenario)]
    return pd.DataFrame(rows)


def styled_table(scenario: Scenario | None = None):
    """The table for a notebook: assumption rows shaded, sources wrapped, no index column."""
    frame = table(scenario)
    shade = "background-color: #FFF3C4"  # pale yellow: readable in black and white too, where 'assumption' says it

    def rows(row):
        return [shade if row["assumption"] else ""] * len(row)

    return (frame.style.apply(rows, axis=1).hide(axis="index")
            .set_properties(**{"text-align": "left", "font-size": "12pt"})
            .set_properties(subset=["source", "allowed"], **{"white-space": "normal", "max-width": "28em"}))


def counts(scenario: Scenario | None = None) -> dict[str, int]:
    """How many parameters rest on each kind of evidence: {'published': 12, 'assumption': 60, ...}."""
    frame = table(scenario)
    return {k: int(v) for k, v in frame["evidence"].value_counts().items()}
