"""The two reference tables of notebook 00 in plain words: every setting with its source, and the
published figures the model is checked against.

    reference_tables.parameters_html()          # one collapsible section per part of the model
    reference_tables.parameters_search()        # the same under a search box (name or description)
    reference_tables.calibration_html(table)    # calibration.check(...) in words: no codes, inf or NaN

Both are HTML (``present/templates/course_reference.html``): sections that open and close, sources
in a column of their own that wraps instead of running off the screen.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import HTML

from iopsim.analysis import calibration
from iopsim.analysis.catalogue import BY_NAME
from iopsim.core import parameters
from iopsim.core.formatting import format_interval, format_value
from iopsim.core.scenario import Scenario
from iopsim.course.session import stale_note
from iopsim.present.html import render

GROUP_TITLES = {
    "referrals": "Referrals: who asks for care, and when", "intake": "Intake: booking and assessment",
    "placement": "Placement: which level of care", "tracks": "Groups and schedule (tracks[0] day, tracks[1] evening)",
    "staff": "Staff: counsellors and caseloads", "treatment": "Treatment: plans, attendance, dropout",
    "step_down": "Step-down to standard outpatient", "aftercare": "Aftercare",
    "relapse": "Relapse and coming back", "costs": "Costs (examples to replace)", "run": "The run itself",
    "calendar": "Calendar",
}
PARAMETER_HEAD = ("setting", "value", "unit", "allowed", "evidence", "source")
PARAMETER_WIDTHS = ("14%", "12%", "13%", "13%", "9%", "39%")


def matching(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """The rows of ``parameters.table`` whose name or description (its source) holds every word of `query`, in
    any case; a name's underscores match spaces ("per week" finds per_week).  All rows for an empty query.
    Section titles are left out: "attendance" in the treatment section's title would match all of it."""
    words = query.lower().split()
    if not words:
        return frame
    text = (frame["path"] + " " + frame["source"]).str.lower()
    text = text + " " + text.str.replace("_", " ")
    keep = pd.Series(True, index=frame.index)
    for word in words:
        keep &= text.str.contains(word, regex=False)
    return frame[keep]


def parameters_html(scenario: Scenario | None = None, query: str = "") -> HTML:
    """Every setting (or those `matching` a search), grouped by part of the model; assumptions shaded, and
    counted in each group's title.  Sections start closed, open when a search picked their rows."""
    everything = parameters.table(scenario)
    frame = matching(everything, query)
    groups = []
    for group, rows in frame.groupby("group", sort=False):
        assumptions = int(rows["assumption"].sum())
        groups.append({"title": GROUP_TITLES.get(group, group.replace("_", " ")),
                       "flag": f"{len(rows)} setting{'s' if len(rows) != 1 else ''}, "
                               f"{assumptions} assumption{'s' if assumptions != 1 else ''}",
                       "open": bool(query.strip()),
                       "rows": [{"shade": bool(r.assumption),
                                 "cells": (r.path, r.value, r.unit, r.allowed, r.evidence, r.source)}
                                for r in rows.itertuples(index=False)]})
    if not query.strip():
        note = "Click a part of the model to open it. Shaded rows are assumptions."
    elif len(frame):
        note = f"{len(frame)} of {len(everything)} settings match “{query.strip()}”. Shaded rows are assumptions."
    else:
        note = f"No setting matches “{query.strip()}”: try one word, or part of a name."
    return HTML(render("course_reference.html", groups=groups, head=PARAMETER_HEAD, widths=PARAMETER_WIDTHS,
                       note=note))


def parameters_search(scenario: Scenario | None = None):
    """The parameter table under a search box: each key typed keeps the settings `matching` the box's words."""
    import ipywidgets as w  # optional dependency, lazy: the tables themselves are plain HTML

    box = w.Text(value="", placeholder="a word of a setting's name or description, e.g. attendance",
                 description="Search settings", continuous_update=True, style={"description_width": "10em"},
                 layout=w.Layout(width="40em"))
    table = w.HTML(parameters_html(scenario).data)

    def search(change) -> None:
        table.value = parameters_html(scenario, change["new"]).data

    box.observe(search, names="value")
    return w.VBox([box, w.HTML(stale_note("Search settings")), table])


CALIBRATION_HEAD = ("published figure", "published", "allowed", "the model", "holds?", "source")
CALIBRATION_WIDTHS = ("27%", "11%", "14%", "14%", "8%", "26%")
_UNITS = {t.what: BY_NAME[kpi].unit if kpi in BY_NAME else "" for kpi, t in
          {**calibration.TARGETS, **calibration.VALIDATION}.items()}
_SHAPES = {  # rows that compare a shape or a direction, not a number: what was published, in words
    "relapse curve": "steep at first, then flattening",
    "early retention": "a longer wait keeps fewer clients to the 4th session",
}


def calibration_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """``calibration.check`` rows in words: values in their units, ranges as 'from to', yes/no."""
    rows = []
    for r in table.itertuples(index=False):
        unit = _UNITS.get(r.what, "")
        shape = next((words for key, words in _SHAPES.items() if r.what.startswith(key)), None)
        if shape is not None:
            published, allowed = shape, "the same shape" if "curve" in r.what else "above 0"
            model = str(getattr(r, "detail", "")) or "n/a"
        else:
            published = format_value(r.published, unit)
            allowed = format_interval(r.low, r.high, unit)
            model = format_value(r.model, unit)
        what = r.what.split(":")[0].split(" (")[0] if shape is not None else r.what
        rows.append({"kind": r.kind, "what": what, "published": published, "allowed": allowed, "model": model,
                     "holds": "yes" if r.holds else "no", "source": r.source})
    return rows


def calibration_html(table: pd.DataFrame) -> HTML:
    """Two sections: figures the settings were tuned to (calibration) and figures they were not (validation)."""
    rows = calibration_rows(table)
    titles = {"calibration": "Calibration: figures the settings were tuned to reach",
              "validation": "Validation: figures the model was not tuned to (a miss shows where it is weaker)"}
    groups = [{"title": title, "flag": f"{sum(r['holds'] == 'yes' for r in part)} of {len(part)} hold", "open": True,
               "rows": [{"shade": r["holds"] == "no", "cells": (r["what"], r["published"], r["allowed"], r["model"],
                                                                r["holds"], r["source"])} for r in part]}
              for kind, title in titles.items() if (part := [r for r in rows if r["kind"] == kind])]
    return HTML(render("course_reference.html", groups=groups, head=CALIBRATION_HEAD, widths=CALIBRATION_WIDTHS,
                       note="Shaded rows are misses: the model lies outside the allowed range."))

