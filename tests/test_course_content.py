"""What the course says and shows: typical examples, plain tables, one-line errors, saved notebooks, colours.

Quick checks on one short run; the lessons themselves are in tests/test_course_lessons.py.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell

import iopsim
from iopsim.analysis import calibration
from iopsim.core import parameters
from iopsim.course import journey_charts, reference_tables, session, widgets

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
COURSE = sorted(NOTEBOOKS.glob("0[0-5]_*.ipynb"))


@pytest.fixture(scope="module")
def run():
    return iopsim.simulate(iopsim.Scenario(), seed=1)


def course_text() -> str:
    return "\n".join("".join(c["source"]) for nb in COURSE for c in json.loads(nb.read_text())["cells"])


# ------------------------------------------------------------------ typical examples
@pytest.mark.parametrize("returning", [False, True])
def test_the_featured_client_is_typical_moderate_severity_and_a_median_stay(run, returning):
    client = journey_charts.typical_client(run.events, run.scenario, "completed", returning=returning)
    ev = run.events
    start, end = run.scenario.run.warm_up_days, run.scenario.run.warm_up_days + run.scenario.run.horizon_days
    done = ev[(ev.event == "iop_discharge") & (ev.detail == "completed") & (ev.time >= start) & (ev.time < end)]
    if returning:
        done = done[done.episode >= 2]
    stay = done[done.client == client]
    assert len(stay) >= 1
    episode = int(stay.episode.iloc[0])
    referral = ev[(ev.event == "referral") & (ev.client == client) & (ev.episode == episode)]
    assert str(referral.detail.iloc[0]) == "moderate"
    median = done.value.median()
    spread = (done.value - median).abs()
    assert abs(stay.value.iloc[0] - median) <= spread.quantile(0.25) + 1e-9  # among the stays nearest the median
    assert "completed the treatment plan" in run.story(client)


def test_no_story_says_zero_days(run):
    stories = "\n".join(run.story(int(c)) for c in run.events.client.unique()[:300])
    assert not re.search(r"\b0 days after", stories)
    assert "(PHP" not in stories


# ------------------------------------------------------------------ content against sources
def test_course_names_the_asam_edition_and_calls_hours_intensity_not_definition():
    text = course_text()
    assert "4th edition" in text and "2023" in text
    assert "multidimensional" in text
    assert "high-intensity outpatient" in text
    assert "define them mainly by how many hours" not in text
    assert "partial hospitalisation (PHP) |" not in text  # 2.5 only named in the 4th edition's words


def test_course_makes_no_unchecked_or_borrowed_claims():
    text = course_text()
    assert "close to national figures" not in text
    assert "85%" not in text  # no occupancy target borrowed from hospital beds
    assert "36 seats" in text and "12: 24 seats" not in text and "With 24 seats full" not in text
    assert "max_weeks" not in text
    assert "input" in text and "DATOS" in text  # the dose effect is labelled an input


def test_the_completion_figure_the_course_quotes_is_the_calibration_target():
    assert "38%" in course_text()
    assert calibration.TARGETS["share_completed"].published == pytest.approx(0.377)


def test_course_notebooks_are_stored_without_outputs():
    for nb in COURSE:
        data = json.loads(nb.read_text())
        assert "widgets" not in data["metadata"]
        assert all(not c.get("outputs") for c in data["cells"] if c["cell_type"] == "code"), nb.name


# ------------------------------------------------------------------ reference tables
def plain(text: str) -> bool:
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"<[^>]+>", " ", text))
    return not any(w in ("inf", "nan", "NaN", "True", "False") or re.fullmatch(r"[CV]\d{1,2}", w) for w in words)


def test_the_calibration_table_is_in_plain_words():
    fake = pd.DataFrame(
        [{"kind": "calibration", **r} for r in (
            calibration._row("calibration", calibration.TARGETS["share_completed"], 0.39),
            calibration._relapse_curve_flattens(pd.Series({"relapse_3m_after_discharge": 0.5,
                                                           "relapse_6m_after_discharge": 0.6,
                                                           "relapse_12m_after_discharge": 0.65})))]
        + [{"kind": "calibration", "target": "C10", "what": calibration.C10[1], "published": float("nan"), "low": 0.0,
            "high": float("inf"), "model": 0.03, "holds": True, "source": calibration.C10[2],
            "detail": "+0.010 to +0.050"},
           calibration._row("validation", calibration.VALIDATION["retained_90_days_share"], 0.31)])
    html = reference_tables.calibration_html(fake).data
    assert plain(html), html
    assert "37.7%" in html and "32.7% to 42.7%" in html and "39%" in html
    assert "steep at first, then flattening" in html and "3 of 3 hold" in html and "0 of 1 hold" in html
    assert html.count("<tr") == 1 + 3 + 1 + 1  # heads and rows of the two sections


def test_the_parameter_table_is_grouped_collapsible_with_every_source():
    html = reference_tables.parameters_html().data
    table = parameters.table()
    assert html.count("<details") == table.group.nunique()
    for row in table.itertuples():
        assert row.path in html
    assert html.count('style="background-color: #FFF3C4"') == int(table.assumption.sum())
    assert "table-layout: fixed" in html and "overflow-wrap: anywhere" in html  # sources wrap, never off-screen


def test_the_parameter_search_keeps_the_rows_whose_name_or_description_holds_every_word():
    table = parameters.table()
    assert reference_tables.matching(table, "  ").equals(table)
    attendance = reference_tables.matching(table, "Attendance")
    assert "treatment.attendance_mean" in set(attendance.path) and len(attendance) < len(table)
    assert all("attendance" in f"{r.path} {r.source}".lower() for r in attendance.itertuples())
    assert "referrals.per_week" in set(reference_tables.matching(table, "per week").path)  # spaces find underscores
    by_source = reference_tables.matching(table, "operating point")  # words only in a description
    assert "referrals.per_week" in set(by_source.path)
    both = reference_tables.matching(table, "attendance evening")  # every word, not any
    assert set(both.path) <= set(attendance.path) and len(both) < len(attendance)
    assert reference_tables.matching(table, "no-such-setting-anywhere").empty


def test_the_search_box_filters_the_table_opens_its_sections_and_says_how_many_match():
    box, note, table = reference_tables.parameters_search().children
    assert "Shift + Enter" in note.value  # the line for a restarted kernel
    everything = parameters.table()
    assert table.value.count("<tr") == len(everything) + everything.group.nunique() and "<details open" not in table.value
    box.value = "attendance"
    found = reference_tables.matching(everything, "attendance")
    assert table.value.count("<tr") == len(found) + found.group.nunique()
    assert table.value.count("<details open") == found.group.nunique()
    assert f"{len(found)} of {len(everything)} settings match" in table.value
    box.value = "<b>nothing like it</b>"
    assert "No setting matches" in table.value and "<b>nothing" not in table.value  # typed text stays text
    box.value = ""
    assert table.value.count("<tr") == len(everything) + everything.group.nunique()


# ------------------------------------------------------------------ errors and coming back
def test_a_bad_setting_or_a_cell_run_too_early_gives_one_plain_line(capsys):
    shell = InteractiveShell.instance()
    session.start(shell)
    shell.run_cell("import iopsim\niopsim.Scenario().replace(**{'referrals.per_week': -1})")
    shell.run_cell("print(not_defined_yet)")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 2, lines
    assert lines[0].startswith("Cannot use this setting:") and "referrals.per_week" in lines[0]
    assert lines[1].startswith(session.RUN_FIRST)
    shell.run_cell("1 / 0")  # a fault in the project keeps its traceback
    assert "ZeroDivisionError" in capsys.readouterr().out
    InteractiveShell.clear_instance()


def test_a_saved_notebook_keeps_a_run_this_cell_line_where_widgets_were():
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    notebook = {"metadata": {"widgets": {"state": {}}}, "cells": [
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {
            "text/plain": "VBox()", session.WIDGET_VIEW: view}}, {"output_type": "stream", "text": "kept"}]}]}
    model = {"type": "notebook", "content": notebook}
    session.strip_widget_views(model, path="x.ipynb")
    outputs = notebook["cells"][0]["outputs"]
    assert outputs[0]["data"] == {"text/plain": session.RUN_THIS_CELL}
    assert outputs[1]["text"] == "kept" and "widgets" not in notebook["metadata"]
    text = {"type": "file", "content": "abc"}
    session.strip_widget_views(text)
    assert text == {"type": "file", "content": "abc"}


def test_the_kit_opens_jupyterlab_on_notebook_00_with_no_news_and_the_save_hook():
    kit = (Path(__file__).resolve().parent.parent / "kit.py").read_text()
    assert "--LabApp.default_url=/lab/tree/00_start_here.ipynb" in kit
    assert '"fetchNews": "false"' in kit and '"checkForUpdates": False' in kit
    assert "pre_save_hook=iopsim.course.session.strip_widget_views" in kit
    assert '"iopsim.course.session"' in kit and callable(session.load_ipython_extension)


# ------------------------------------------------------------------ reading
@pytest.mark.parametrize("name", sorted(widgets.FORMS))
def test_every_control_label_fits_its_column_and_carries_a_tooltip(name):
    """Labels are cut at the description width (20em): at about 0.55em a character, 34 characters fit."""
    for control in widgets.FORMS[name]().controls:
        description = control.widget.description
        assert len(description) <= 34, description
        assert control.widget.tooltip and description.split(" (")[0] in control.widget.tooltip


# ------------------------------------------------------------------ colour-blindness
MACHADO = {  # Machado, Oliveira & Fernandes 2009, severity 1: linear RGB -> simulated linear RGB
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
}


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(linear, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", ["typical", *MACHADO])
def test_outcome_colours_stay_apart_under_colour_blindness(vision):
    """Every two outcomes of one bar of the outcome flow differ by at least 15 (CIE76 Delta E) as seen."""
    seen = MACHADO.get(vision, np.eye(3))
    for bar, outcomes in journey_charts.FLOW.items():
        for (a, ca), (b, cb) in itertools.combinations(outcomes, 2):
            distance = np.linalg.norm(_lab(seen @ _linear(ca)) - _lab(seen @ _linear(cb)))
            assert distance >= 15, f"{bar}: '{a}' and '{b}' differ by only {distance:.1f} under {vision}"


# ------------------------------------------------------------------ a first answer, then the refined one
def test_a_panel_answers_first_from_one_replication_then_from_all(monkeypatch):
    """refining: the first comparison from 1 replication, the last the same as paired's; the kept
    starting program is not run again."""
    from iopsim.course import change_charts

    base = iopsim.Scenario().replace(**{"run.warm_up_days": 60.0, "run.horizon_days": 60.0})
    yours = base.replace(**{"referrals.per_week": 7.0})
    change_charts.keep(base, reps=3, seed=4)
    runs = []
    original = change_charts.simulate
    monkeypatch.setattr(change_charts, "simulate", lambda s, seed: runs.append(s) or original(s, seed=seed))
    steps = list(change_charts.refining(base, {"yours": yours}, reps=3, seed=4))
    assert [[e.reps for e in c.experiments.values()] for c in steps] == [[1, 1], [3, 3]]
    assert all(s == yours for s in runs) and len(runs) == 3  # only the trainee's program ran
    first, last = (change_charts.change_bars(c, ["admissions_per_year"], title="t")[1] for c in steps)
    assert "first estimate" in first and "95% intervals" in last
    again = change_charts.paired(base, {"yours": yours}, reps=3, seed=4)
    assert again.differences.equals(steps[-1].differences)


def test_the_dose_chart_summary_is_short_and_says_what_the_long_plan_costs():
    from iopsim.course import program_charts

    rows = {("short", "low demand"): (130, 8.5, 80, 0.68), ("standard", "low demand"): (125, 8.9, 95, 0.67),
            ("long", "low demand"): (121, 9.4, 107, 0.65), ("short", "high demand"): (190, 17.0, 78, 0.7),
            ("standard", "high demand"): (175, 19.6, 88, 0.69), ("long", "high demand"): (158, 22.1, 98, 0.67)}
    kpis = program_charts.DOSE_KPIS
    table = pd.DataFrame([dict(zip(kpis, v)) for v in rows.values()], index=pd.MultiIndex.from_tuples(list(rows)))
    for kpi in kpis:
        table[f"{kpi}_low"], table[f"{kpi}_high"] = table[kpi] * 0.95, table[kpi] * 1.05
    summary = program_charts.dose_chart(table)[1]
    assert len(summary.split()) <= 70, summary
    assert "at high demand, the long plan admits 32 fewer a year" in summary and "+5.1 days of waiting" in summary
