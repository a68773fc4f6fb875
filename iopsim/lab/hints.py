"""What the form says about each field: its label, and a hint with unit, allowed values, default and source.

Read from the pydantic model (units and sources live in each field's ``json_schema_extra``);
the few rules the model checks in validators (shares between 0 and 1, ...) are listed here
(`ITEM_LIMITS`, `NOTES`) because the field's own limits do not carry them.
"""

from __future__ import annotations

import re
import typing
from typing import Any, Literal

from pydantic import BaseModel

from iopsim.core import paths
from iopsim.core.errors import describe
from iopsim.core.formatting import show_value
from iopsim.core.labels import label
from iopsim.core.scenario import Scenario
from iopsim.present import html

ITEM_LIMITS: dict[str, tuple[Any, ...]] = {
    "referrals.weekday_weights": (0, 1e9),
    "referrals.source_shares": (0, 1),
    "referrals.severity_shares": (0, 1),
    "intake.show_curve": ((0, 36_500), (0, 1)),
    "placement.iop_share": (0, 1),
    "placement.higher_level_share": (0, 1),
    "treatment.planned_weeks": (1, 52),
    "treatment.relapse_outcome_shares": (0, 1),
    "calendar.holidays": (0, 364),
}
"""Bounds for the items of lists and mappings, which the model checks in its validators
(shares between 0 and 1, ...) rather than in the field's own limits: (low, high) for each item,
or one (low, high) per position for a list of pairs."""

NOTES: dict[str, str] = {
    "referrals.source_shares": "the shares add up to 1",
    "referrals.severity_shares": "the shares add up to 1",
    "treatment.relapse_outcome_shares": "the shares add up to 1",
    "placement.iop_share": "IOP + higher level at most 1 for each severity; the rest go to standard outpatient",
    "placement.higher_level_share": "IOP + higher level at most 1 for each severity",
    "intake.show_curve": "days ascending; the chance stays flat after the last point",
    "treatment.planned_weeks": "each at most max_weeks",
    "calendar.holidays": "day 0 is Monday 1 January",
}
"""Rules the model checks across items or fields, shown in the field's hint."""

def hint_of(path: str, info: Any, default: Any) -> str:
    """HTML beside a field: unit, allowed values and default; the source on hover and on "source" (template lab_hint.html)."""
    unit, allowed, source = about(path, info)
    shown = "; ".join(p for p in (unit, allowed, f"default {show_default(default)}" if default is not None else "") if p)
    return html.render("lab_hint.html", shown=shown, source=source)


def plain_hint(path: str, info: Any, default: Any) -> str:
    """The same hint as plain text, for the widget's own tooltip."""
    unit, allowed, source = about(path, info)
    parts = [unit, allowed, f"default {show_default(default)}" if default is not None else "",
             f"source: {source}" if source else ""]
    return "; ".join(p for p in parts if p)


def plain(text: str) -> str:
    """A unit or source in the words of the form: a field's name ('dose_days') becomes its label in
    quotes ('Dose days'), and the project's own files are named as the model documentation."""
    text = re.sub(r"\bMODEL\.md\b", "the model documentation", text)
    return re.sub(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b",
                  lambda m: f"‘{label(m.group())}’" if m.group() in FIELD_NAMES else m.group(), text)


def _field_names(model: type[BaseModel]) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        args = typing.get_args(info.annotation)
        for inner in (info.annotation, *args):
            if is_group(inner):
                names |= _field_names(inner)
    return names


def about(path: str, info: Any) -> tuple[str, str, str]:
    extra = info.json_schema_extra or {}
    key = paths.join([part for part in paths.split(path) if isinstance(part, str)])  # the field, whatever the item
    if key in ITEM_LIMITS and typing.get_origin(info.annotation) in (dict, tuple):
        bounds = ITEM_LIMITS[key]
        pairs = bounds if isinstance(bounds[0], tuple) else (bounds,)
        allowed = "each " + " and ".join(f"{show_value(a)} to {show_value(b)}" for a, b in pairs)
        if bounds[1] == 1e9:
            allowed = "each at least 0"
    else:
        allowed = describe(info.annotation, info.metadata)
        args = typing.get_args(info.annotation)
        if info.annotation is bool:
            allowed = "ticked for yes"
        elif allowed.startswith("one of "):
            allowed = "one of " + ", ".join(str(a) for a in args)
        elif typing.get_origin(info.annotation) is tuple and args and is_group(args[0]):
            low, high = (next((getattr(m, n) for m in info.metadata if hasattr(m, n)), None)
                         for n in ("min_length", "max_length"))
            allowed = f"{low} to {high} {args[0].__name__.lower()}s"
        elif typing.get_origin(info.annotation) is tuple and args and typing.get_origin(args[0]) is Literal:
            allowed = "choose at least one"
    if key in NOTES:
        allowed += "; " + NOTES[key]
    return plain(extra.get("unit", "")), plain(allowed), plain(extra.get("source", ""))


def show_default(value: Any) -> str:
    """A default in plain words (``formatting.show_value``); a list of tracks by their names."""
    if isinstance(value, (tuple, list)) and value and all(is_group(type(v)) for v in value):
        return ", ".join(getattr(v, "name", type(v).__name__) for v in value)
    if isinstance(value, dict):  # keys as the form's boxes are tagged: 'step down', not 'step_down'
        value = {str(k).replace("_", " "): v for k, v in value.items()}
    return show_value(value)


def is_group(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


FIELD_NAMES = frozenset(_field_names(Scenario))
"""Every field name of the scenario, for ``plain``."""


def first_line(text: str | None) -> str:
    return (text or "").strip().split("\n")[0]


