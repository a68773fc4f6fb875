"""Built-in programs (presets): the default adult substance-use IOP and programs other than it,
each a set of changes to the default with a source for every value it changes.

    Scenario.preset("adolescent-sud")     # a validated scenario
    presets.NAMES                         # the presets shipped, the default first
    presets.info("virtual-iop")           # title, description, changes with sources, headline figures

A preset file (``iopsim/core/preset_files/NAME.yaml``, package data) holds a title, a description,
``changes`` (parameter path -> value and source; a source that starts with "assumption" marks
one), ``min_weekly_hours`` (the least group hours a week the program's level of care asks, with
its source) and ``headline``: published figures the preset's results should match, each with its
tolerance and source (tests/test_presets.py checks them).  A preset is read with the same
bounded loader as a scenario file and validated by the Scenario.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from iopsim.core.bounded_load import BoundedLoader

DEFAULT = "adult-sud"
_FOLDER = resources.files("iopsim.core") / "preset_files"
NAMES: tuple[str, ...] = (DEFAULT, *sorted(f.name.removesuffix(".yaml") for f in _FOLDER.iterdir()
                                           if f.name.endswith(".yaml") and f.name != f"{DEFAULT}.yaml"))


@dataclass(frozen=True)
class Change:
    path: str  # iopsim.core.paths syntax: "treatment.planned_weeks", "tracks.tracks"
    value: Any
    source: str


@dataclass(frozen=True)
class Headline:
    """A published figure the preset should reproduce: the KPI, its published value, the range the
    model's mean must fall in, and where the figure comes from."""

    kpi: str
    published: float
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    min_weekly_hours: float
    min_weekly_hours_source: str
    changes: tuple[Change, ...]
    headline: tuple[Headline, ...]

    @property
    def values(self) -> dict[str, Any]:
        """The changes as {path: value}, for Scenario.replace."""
        return {c.path: c.value for c in self.changes}


def info(name: str) -> Preset:
    """The preset called `name` (one of NAMES), read from its file."""
    if name not in NAMES:
        raise ValueError(f"no preset called {name!r}; the presets are: {', '.join(NAMES)}")
    data = yaml.load((_FOLDER / f"{name}.yaml").read_text(encoding="utf-8"), Loader=BoundedLoader)
    hours = data["min_weekly_hours"]
    return Preset(name, data["title"], " ".join(data["description"].split()), float(hours["value"]),
                  hours["source"],
                  tuple(Change(path, c["value"], c["source"]) for path, c in (data.get("changes") or {}).items()),
                  tuple(Headline(kpi, float(h["published"]), float(h["low"]), float(h["high"]), h["source"])
                        for kpi, h in (data.get("headline") or {}).items()))


def header(name: str) -> str:
    """YAML comment lines that name a preset other than the default and give the source of each
    value it changes (the comment above each parameter in a scenario file gives the default's)."""
    if name == DEFAULT:
        return ""
    chosen = info(name)
    lines = [f"Preset {name}: {chosen.title}.", "", *textwrap.wrap(chosen.description, 96), "",
             *textwrap.wrap("It changes these values of the default; the comment above each parameter below "
                            "gives the default's source, these are the preset's:", 96)]
    for change in chosen.changes:
        lines += textwrap.wrap(f"{change.path}: {change.source}", 96, initial_indent="  ", subsequent_indent="    ")
    return "".join(f"# {line}".rstrip() + "\n" for line in lines) + "#\n"


def choices() -> list[tuple[str, str]]:
    """(title, name) of every preset, the default first: the options of a picker in the apps."""
    return [(info(name).title, name) for name in NAMES]
