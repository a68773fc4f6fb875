"""The scenario form: one widget per scenario parameter, generated from the Scenario model.

    form = ScenarioForm()            # the built-in default, every parameter on a tab
    form.widget                      # display it
    form.set(Scenario.from_file("my_program.yaml"))
    scenario = form.to_scenario()    # a new, validated Scenario; ScenarioError lists every problem

Nothing here is written per parameter: walking the pydantic model gives every field its widget,
its limits (numbers cannot be typed outside them), and a hint with its unit, allowed values,
built-in default and source (the source on hover).  A new parameter in `iopsim/core/scenario.py`
appears on the form by itself; one whose type the form cannot show stops the form from being
built, unless it is listed in `iopsim.lab.fields.HIDDEN`.  `tests/test_lab.py` walks the model to
hold this.  The fields are in `iopsim.lab.fields`, their labels and hints in `iopsim.lab.hints`.

This module imports ipywidgets; `import iopsim` never imports it.
"""

from __future__ import annotations

import re
from typing import Any

import ipywidgets as w

from iopsim.core import paths
from iopsim.core.scenario import Scenario
from iopsim.lab.fields import Field, build_fields, css_name
from iopsim.core.labels import label as label_of

TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Demand", ("referrals",)),
    ("Intake", ("intake",)),
    ("Placement", ("placement",)),
    ("Tracks and schedule", ("tracks", "calendar")),
    ("Treatment", ("treatment",)),
    ("Services", ("services",)),
    ("Step-down and aftercare", ("step_down", "aftercare")),
    ("Relapse", ("relapse",)),
    ("Staff", ("staff",)),
    ("Costs", ("costs",)),
    ("Run", ("run",)),
)
"""Tab title and the parameter groups it holds; the scenario's name sits above the tabs."""

# ------------------------------------------------------------------------------ the form
class ScenarioForm:
    """Every scenario parameter on tabs; `to_scenario()` builds a new Scenario from them."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self.fields: dict[str, Field] = {}
        defaults = Scenario()
        rows, fields = build_fields(Scenario, "", defaults, only=("name",))
        self._add(fields)
        pages = []
        for title, groups in TABS:
            rows_here: list[w.Widget] = []
            for group in groups:
                group_rows, group_fields = build_fields(Scenario, "", defaults, only=(group,))
                rows_here += group_rows
                self._add(group_fields)
            page = w.VBox(rows_here)
            page.add_class("iop-tab-" + css_name(title))
            pages.append(page)
        self.tabs = w.Tab(children=pages, titles=[t for t, _ in TABS])
        self.tabs.add_class("iop-tabs")
        self.widget = w.VBox([*rows, self.tabs])
        self.loaded = Scenario()  # hidden fields (if any) keep this scenario's values
        self.set(scenario or Scenario())

    def _add(self, fields: list[Field]) -> None:
        for f in fields:
            self.fields[f.path] = f

    def set(self, scenario: Scenario) -> None:
        """Show `scenario` on the form."""
        self.loaded = scenario
        data = scenario.to_dict()
        for path, f in self.fields.items():
            f.set(paths.read(data, path))

    def to_dict(self) -> dict[str, Any]:
        """The form's values as nested plain data (not yet validated)."""
        data = self.loaded.to_dict()
        for path, f in self.fields.items():
            paths.write(data, path, f.get())
        return data

    def to_scenario(self) -> Scenario:
        """A new Scenario from the form; raises ScenarioError listing every problem."""
        return Scenario.from_dict(self.to_dict())

    def leaves(self) -> dict[str, Field]:
        """Every field on the form by dotted path, the fields of each track included."""
        return {path: f for top in self.fields.values() for path, f in top.leaves()}

    def tab_of(self, path: str) -> str:
        group = path.split(".")[0].split("[")[0]
        return next((title for title, groups in TABS if group in groups), "")

    def where(self, path: str) -> str:
        """Where a problem is on the page: 'Demand > Source shares (referrals.source_shares)',
        'Tracks and schedule > Tracks, track 2 (tracks.tracks[1])'; the path alone if no field matches."""
        fields = {**self.fields, **self.leaves()}
        match = max((p for p in fields if path == p or path.startswith((p + ".", p + "["))), key=len, default=None)
        if match is None:
            return path
        words = label_of(match)
        item = re.match(r"\[(\d+)\]", path[len(match):])
        if item:
            words += f", {match.rsplit('.', 1)[-1].rstrip('s')} {int(item.group(1)) + 1}"
        tab = self.tab_of(match)
        return f"{tab} > {words} ({path})" if tab else f"{words} ({path})"
