"""The scenario lab without a browser: the form against the Scenario model, files, runs, batch use.

The form is generated from the pydantic model, so these tests walk the model: every form field
is a real scenario field, and every scenario field is on the form or deliberately hidden.  The
lab's buttons are pressed from Python (`button.click()` runs the same handler a browser click
does); tests/test_browser.py drives the served app in a real browser.
"""

from __future__ import annotations

import base64
import datetime
import re
import subprocess
import sys
import typing
from html import unescape

import pytest
from markupsafe import escape

import iopsim
from browser_helpers import ROOT, isolated_env
from iopsim.lab import ScenarioLab
from iopsim.lab import results_tab
from iopsim.lab.fields import HIDDEN, NumberField, limits
from iopsim.lab.form import TABS, ScenarioForm
from iopsim.lab.hints import ITEM_LIMITS, is_group, plain
from iopsim.core import paths, presets
from iopsim.core.formatting import show_value
from iopsim.core.scenario import Scenario, Track

TINY = {"run.horizon_days": 60.0, "run.warm_up_days": 14.0}  # a couple of seconds per run at most


def tiny(**changes) -> Scenario:
    return Scenario().replace(**TINY, **changes)


def generic_path(path: str) -> str:
    """'tracks.tracks[1].days' -> 'tracks.tracks.days': the model's field, whatever the item."""
    return paths.join([part for part in paths.split(path) if isinstance(part, str)])


def model_paths(model=Scenario, prefix="") -> dict[str, typing.Any]:
    """Every parameter of the model by dotted path (items of a list of groups without an index)."""
    out = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        args = typing.get_args(info.annotation)
        if is_group(info.annotation):
            out.update(model_paths(info.annotation, path))
        elif typing.get_origin(info.annotation) is tuple and args and is_group(args[0]):
            out.update(model_paths(args[0], path))
        else:
            out[path] = info
    return out


@pytest.fixture(scope="module")
def form():
    return ScenarioForm()


@pytest.fixture
def lab(tmp_path):
    return ScenarioLab(tiny(), reps=2, seed=3, folder=tmp_path, workers=1, max_reps=4)


def click(lab: ScenarioLab, css: str) -> None:
    """Press the lab's button carrying this CSS class."""
    found = [b for b in _widgets(lab.widget) if css in getattr(b, "_dom_classes", ()) and hasattr(b, "click")]
    assert len(found) == 1, f"{len(found)} buttons with class {css}"
    found[0].click()


def _widgets(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _widgets(child)


def upload(lab: ScenarioLab, name: str, content: bytes) -> None:
    lab.files.upload.value = ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                         "last_modified": datetime.datetime.now(datetime.timezone.utc)},)


def links(html: str) -> dict[str, bytes]:
    """The files offered for download in an HTML fragment: name -> content."""
    return {m.group(1): base64.b64decode(m.group(2))
            for m in re.finditer(r"<a download='([^']+)' href='data:[^;]+;base64,([^']*)'", html)}


def text(html: str) -> str:
    """What a reader sees of an HTML fragment."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


# ----------------------------------------------------------------- the form and the model
def test_every_form_field_is_a_scenario_field(form):
    fields = model_paths()
    data = Scenario().to_dict()
    for path in form.leaves():
        assert generic_path(path) in fields, f"{path} is on the form but is not a scenario parameter"
        node = data
        for part in re.findall(r"\w+|\[\d+\]", path):  # and it addresses a value of a real scenario
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]


def test_every_scenario_field_is_on_the_form_or_listed_as_hidden(form):
    on_form = {generic_path(p) for p in form.leaves()}
    missing = [p for p in model_paths() if p not in on_form and p not in HIDDEN]
    assert not missing, f"scenario parameters neither on the form nor in iopsim.lab.fields.HIDDEN: {missing}"
    assert not on_form & set(HIDDEN), "a field is both on the form and hidden"
    assert all(p in model_paths() and reason.strip() for p, reason in HIDDEN.items())


def test_each_parameter_group_is_on_exactly_one_tab():
    groups = [g for _, names in TABS for g in names]
    expected = [name for name, info in Scenario.model_fields.items() if is_group(info.annotation)]
    assert sorted(groups) == sorted(expected)
    assert len(groups) == len(set(groups))


def test_numbers_carry_the_fields_limits(form):
    fields = model_paths()
    for path, field in form.leaves().items():
        if isinstance(field, NumberField):
            low, high = limits(fields[generic_path(path)].metadata)
            assert field.control.limits == (low, high), path
            assert high < 1e9, f"{path} has no upper limit in the model"
    for path in ITEM_LIMITS:
        assert path in model_paths()


def test_a_typed_value_outside_the_range_is_refused_with_field_value_and_range_never_clamped(lab):
    rate = lab.form.fields["referrals.per_week"]
    rate.control.value = "900"
    assert rate.get() == 900 and "iop-invalid" in rate.control._dom_classes  # kept as typed, and marked
    lab.form.fields["staff.iop_counsellors"].control.value = ""
    click(lab, "iop-run")
    page = text(lab.message.value)
    assert "The scenario has 2 problems" in page and lab.results.experiment is None
    assert "Demand > Per week (referrals.per_week): got 900; allowed: a number from 0 to 500" in page
    assert "IOP counsellors (staff.iop_counsellors): got nothing (the box is empty); allowed: a whole number " \
           "from 0 to 100" in page
    rate.control.value = "12"
    assert "iop-invalid" not in rate.control._dom_classes
    lab.form.fields["staff.iop_counsellors"].control.value = "4"
    lab.page.reps.value = 5000
    click(lab, "iop-run")
    assert "Replications: got 5000; allowed: a whole number from 2 to 1,000" in text(lab.message.value)
    assert lab.page.reps.value == 5000 and lab.results.experiment is None


def test_each_field_shows_its_unit_range_default_and_source(form):
    defaults = Scenario().to_dict()
    for path, field in form.leaves().items():
        info = field.info
        extra = info.json_schema_extra or {}
        if extra.get("unit"):
            assert escape(plain(extra["unit"])) in field.hint, path
        if extra.get("source"):
            assert "Source: " + escape(plain(extra["source"])) in field.hint, path
        assert "default " in field.hint, path
        if isinstance(field, NumberField):
            assert re.search(r"from|at least|above|at most|below", field.hint), path
            assert field.control.tooltip.startswith(plain(extra.get("unit", ""))) and "default" in field.control.tooltip
    rate = paths.read(defaults, "referrals.per_week")
    assert f"default {rate:g}" in form.fields["referrals.per_week"].hint
    form.set(Scenario())
    leaves = form.leaves()  # each track's hints give that track's own defaults
    for i, track in enumerate(Scenario().tracks.tracks):
        assert f"default {track.start_hour:g}" in leaves[f"tracks.tracks[{i}].start_hour"].hint
        assert f"default {show_value(track.days)}" in leaves[f"tracks.tracks[{i}].days"].hint


def test_hints_speak_of_fields_by_their_labels_not_their_internal_names(form):
    names = re.compile(r"\b[a-z]+_[a-z_]+\b|MODEL\.md")
    for path, field in form.leaves().items():
        words = text(field.hint)
        for choice in typing.get_args(field.annotation):  # a choice is shown as the list offers it
            words = words.replace(str(choice), "")
        assert not names.search(words), (path, names.search(words))
    assert "‘Dose days’" in form.fields["relapse.dose_multiplier"].hint


def test_tracks_can_be_added_and_removed_within_the_models_limits(form):
    form.set(Scenario())
    tracks = form.fields["tracks.tracks"]
    tracks.add.click()
    added = form.to_scenario().tracks.tracks[-1]
    assert added == Track(name="track 1") and len(form.to_scenario().tracks.tracks) == 3
    assert "tracks.tracks[2].group_cap" in form.leaves()
    while not tracks.add.disabled:
        tracks.add.click()
    assert len(form.to_scenario().tracks.tracks) == 10  # the model's maximum
    removes = [b for b in _widgets(tracks.cards) if "iop-remove-item" in b._dom_classes]
    removes[0].click()  # the first, "day", goes
    assert [t.name for t in form.to_scenario().tracks.tracks][:2] == ["evening", "track 1"]
    form.set(Scenario(tracks={"tracks": [Track(name="only")]}))
    assert all(b.disabled for b in _widgets(tracks.cards) if "iop-remove-item" in b._dom_classes)


# ----------------------------------------------------------------- building scenarios
VALID = [
    Scenario(),
    tiny(**{"intake.mode": "walk_in", "intake.assessment_duration": "exponential", "tracks.admission": "cohort",
            "tracks.step_down_priority": False, "name": "Cohorts, walk-in — été"}),
    Scenario(tracks={"tracks": [Track(name="late", evening=True, days=("Fri", "Mon"), start_hour=17.5),
                                Track(name="sat", days=("Sat",), hours=4, groups=2, group_cap=8),
                                Track(name="day")]}),
    Scenario(tracks={"tracks": [Track(name="only one")]}, calendar={"holidays": ()},
             intake={"show_curve": ((0, 0.9),), "open_days": ("Wed", "Mon")}),
    Scenario(referrals={"source_shares": {"community": 0.85, "justice": 0.15},
                        "weekday_weights": (1, 2, 1, 1, 0.5, 0.25, 0)},
             intake={"show_curve": ((0, 0.95), (1, 0.72), (3, 0.41), (7, 0.38), (30, 0.1))},
             treatment={"planned_weeks": {"low": 8, "moderate": 8, "high": 8}}),
]


@pytest.mark.parametrize("scenario", VALID, ids=lambda s: s.name[:20] + str(len(s.tracks.tracks)))
def test_the_form_gives_back_the_scenario_it_shows(form, scenario):
    form.set(scenario)
    assert form.to_scenario() == scenario


@pytest.mark.parametrize("name", [n for n in presets.NAMES if n != presets.DEFAULT])
def test_picking_a_preset_puts_that_program_on_the_form(lab, name):
    menu = lab.presets.children[0]
    menu.value = name
    assert lab.form.to_scenario() == Scenario.preset(name)
    assert lab.message.value == ""


def test_the_form_accepts_every_number_the_model_accepts(form):
    """Each number at its lowest and highest allowed value: the form must not clamp a valid value."""
    base = Scenario()
    form.set(base)
    checked = 0
    for path, field in form.leaves().items():
        if not isinstance(field, NumberField):
            continue
        for value in field.control.limits:
            data = base.to_dict()
            node = data
            parts = re.findall(r"\w+|\[\d+\]", path)
            for part in parts[:-1]:
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
            node[parts[-1]] = value
            try:
                expected = Scenario.from_dict(data)
            except iopsim.ScenarioError:
                continue  # an open bound (above 0, below 24) or a rule across fields
            original = field.get()
            field.set(value)
            assert form.to_scenario() == expected, path
            field.set(original)
            checked += 1
    assert checked > 100


def test_invalid_values_set_on_the_form_are_all_listed_on_the_page(lab):
    shares = lab.form.fields["referrals.source_shares"]
    shares.items["community"].value = "0.9"  # shares add up to 1.3
    tracks = lab.form.leaves()
    tracks["tracks.tracks[0].start_hour"].set(23.0)  # a session past midnight
    lab.form.fields["intake.show_curve"].set([[3, 0.4], [1, 0.7]])  # days not ascending
    lab.form.fields["name"].set("")
    click(lab, "iop-run")
    page = text(lab.message.value)
    assert "The scenario has 4 problems" in page
    for words in ("Demand > Source shares", "add up to 1", "Tracks and schedule > Tracks, track 1", "past midnight",
                  "Intake > Show curve", "days ascending", "Scenario name"):
        assert words in page, words
    assert "Traceback" not in lab.message.value
    assert lab.results.experiment is None and lab.results.table.value == ""


def test_a_failure_inside_a_run_is_reported_on_the_page(lab, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(results_tab, "replicate", broken)
    click(lab, "iop-run")
    assert "Something went wrong: RuntimeError: disk full" in lab.message.value
    assert not lab.results.run_button.disabled


# ----------------------------------------------------------------- files
def test_load_change_nothing_and_save_gives_an_equal_scenario(lab, tmp_path):
    original = VALID[4].replace(name="Round trip")
    source = tmp_path / "source.yaml"
    original.to_file(source)
    upload(lab, "source.yaml", source.read_bytes())
    assert "Loaded source.yaml" in lab.message.value
    lab.files.save_name.value = "copy.yaml"
    click(lab, "iop-save")
    assert Scenario.from_file(tmp_path / "copy.yaml") == original
    assert links(lab.message.value)["copy.yaml"] == (tmp_path / "copy.yaml").read_bytes()


def test_a_bad_file_lists_every_problem_and_leaves_the_form_alone(lab):
    before = lab.form.to_dict()
    upload(lab, "bad.yaml", b"staff:\n  iop_counsellors: -3\n  typo_field: 2\nreferrals:\n  per_week: lots\n")
    page = text(lab.message.value)
    assert "bad.yaml: The scenario has 3 problems" in page
    for words in ("Staff > IOP counsellors", "Demand > Per week", "typo_field", "not a known parameter"):
        assert words in page
    assert "Traceback" not in lab.message.value
    assert lab.form.to_dict() == before
    upload(lab, "broken.yaml", b"staff: [1, 2\n")
    assert "broken.yaml" in lab.message.value and "valid YAML" in lab.message.value
    upload(lab, "notes.txt", b"staff: {}\n")
    assert "a file ending in .yaml" in lab.message.value
    assert "got 'notes.txt'" in text(lab.message.value) and "iopsim-lab-" not in lab.message.value  # not the copy


@pytest.mark.parametrize("name", ["../escape.yaml", "sub/dir.yaml", ".hidden.yaml", ""])
def test_save_refuses_names_outside_the_working_folder(lab, tmp_path, name):
    lab.files.save_name.value = name
    click(lab, "iop-save")
    assert "cannot be a file name here" in lab.message.value
    assert list(tmp_path.iterdir()) == []


def test_save_adds_yaml_to_a_plain_name(lab, tmp_path):
    lab.files.save_name.value = "evening plan"
    click(lab, "iop-save")
    assert Scenario.from_file(tmp_path / "evening plan.yaml") == lab.form.to_scenario()


def test_a_bad_scenario_file_given_at_start_is_shown_on_the_page(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("staff:\n  prescribers: many\n")
    lab = ScenarioLab(scenario_file=bad)
    assert "bad.yaml: The scenario has 1 problem" in text(lab.message.value)
    with pytest.raises(iopsim.ScenarioError):
        lab.write_results(tmp_path / "out")


# ----------------------------------------------------------------- run, compare, sweep
def test_run_shows_key_results_with_intervals_and_costs_on_request(lab):
    click(lab, "iop-run")
    table = text(lab.results.table.value)
    for words in ("Wait from referral to assessment (median)", "Referrals lost before treatment",
                  "IOP admissions per year", "Discharges: completed", "Seats in use", "95% interval",
                  "IOP counsellors' caseload places in use",
                  "Staff cost per completed episode"):
        assert words in table
    assert "<img" in lab.results.chart.value and "Results for 'Default adult SUD IOP': 2 replications" in text(
        lab.results.text.value)
    assert lab.page.progress.value == lab.page.progress.max == 2 and "Done" in lab.page.status.value
    lab.page.show_costs.value = False
    caption = lab.results.chart.value.split("<figcaption>")[1]
    assert "Staff cost" not in lab.results.table.value and "cost" not in caption
    lab.page.show_costs.value = True
    assert "Staff cost per completed episode" in lab.results.table.value
    click(lab, "iop-report")
    files = links(lab.results.files.value)
    assert set(files) == {"report.html", "results.xlsx", "summary.csv", "replications.csv"}
    assert files["report.html"].startswith(b"<!DOCTYPE html>") and files["results.xlsx"][:2] == b"PK"


def test_compare_up_to_four_alternatives_with_a_baseline(lab):
    counsellors = lab.form.fields["staff.iop_counsellors"]
    lab.compare.name.value = "now"
    click(lab, "iop-compare-add")
    for n in (3, 4, 5, 6):
        counsellors.set(n)
        lab.compare.name.value = f"{n} counsellors"
        click(lab, "iop-compare-add")
    counsellors.set(7)
    lab.compare.name.value = "too many"
    click(lab, "iop-compare-add")
    assert "up to 4 alternatives" in lab.message.value and list(lab.compare.shelf)[-1] == "6 counsellors"
    click(lab, "iop-compare")
    assert list(lab.compare.comparison.experiments) == ["now", "3 counsellors", "4 counsellors", "5 counsellors",
                                                "6 counsellors"]
    n = tiny().staff.iop_counsellors
    words = text(lab.compare.text.value)
    assert f"3 counsellors (Staff: IOP counsellors {n} → 3):" in words and "6 counsellors (Staff" in words
    assert "replications: 2 each" in words or "replications: 2 to 4" in words
    assert "staff.iop_counsellors" not in words
    table = text(lab.compare.table.value)
    assert "6 counsellors" in table and "IOP counsellors' caseload places in use" in table
    assert "<img" in lab.compare.chart.value
    click(lab, "iop-compare-report")
    assert {"report.html", "differences.csv", "results.xlsx"} <= set(links(lab.compare.files.value))


def test_what_limits_names_the_binding_constraint_and_what_one_step_more_of_each_releases(lab):
    click(lab, "iop-limits")
    answer = text(lab.limits.answer.value)
    assert "What limits this program:" in answer or "Nothing tested limits this program" in answer
    table = lab.limits.limits.table
    for row in table.itertuples():  # every constraint, its relief and what it releases, in words
        assert row.constraint in answer and row.relief in answer and row.released in answer
    assert {"day track seats", "IOP counsellor caseloads", "IOP counsellor hours", "assessor hours"} <= {
        c.split(" (")[0] for c in table.constraint}
    assert lab.page.outputs.selected_index == lab.page.outputs.children.index(lab.limits.widget)
    assert lab.page.outputs.titles[:4] == ("Results", "What limits you", "Compare scenarios", "Capacity sweep")


def test_capacity_sweep_is_ready_to_run_as_the_page_opens(lab):
    n = lab.form.to_scenario().staff.iop_counsellors
    assert lab.sweep.lever.value == "staff.iop_counsellors"  # n on the form: n - 1 to n + 2
    assert (lab.sweep.first.value, lab.sweep.last.value) == (n - 1, n + 2)
    click(lab, "iop-sweep")
    assert [e.scenario.staff.iop_counsellors for e in lab.sweep.result["experiments"]] == [n - 1, n, n + 1, n + 2]
    assert f"IOP counsellors from {n - 1} to {n + 2} (2 replications each)" in text(lab.sweep.text.value)


def test_capacity_sweep_of_seats_in_one_track(lab):
    lab.sweep.lever.value = "tracks.tracks[1].groups"
    lab.sweep.first.value, lab.sweep.last.value = 1, 2
    click(lab, "iop-sweep")
    table = text(lab.sweep.table.value)
    assert "groups in the 'evening' track" in table and "Seats" in table
    assert [e.scenario.tracks.tracks[1].groups for e in lab.sweep.result["experiments"]] == [1, 2]
    assert "Staff cost per completed episode" in table and "<img" in lab.sweep.chart.value
    assert "capacity_sweep.csv" in links(lab.sweep.files.value)
    lab.sweep.first.value, lab.sweep.last.value = 0, 20
    click(lab, "iop-sweep")
    assert "at most 12 values" in lab.message.value
    lab.sweep.lever.value = "group_cap"  # the range follows the lever: seats per group from 1 to 30
    assert (lab.sweep.first.value, lab.sweep.last.value) == (11, 14)
    lab.sweep.first.value = 0  # outside 1 to 30: refused in words, not clamped
    click(lab, "iop-sweep")
    assert "must lie within 1 to 30; got 0 to 14" in text(lab.message.value) and lab.sweep.first.value == 0


# ----------------------------------------------------------------- batch use
def test_papermill_runs_the_lab_headless_and_writes_the_report(tmp_path):
    pytest.importorskip("papermill")
    tiny().to_file(tmp_path / "my.yaml")
    notebook = ROOT / "notebooks" / "scenario_lab.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(notebook), "out.ipynb", "-p", "scenario_file", "my.yaml",
         "-p", "out", "results/", "-p", "reps", "2", "--no-progress-bar"],
        cwd=tmp_path, env=isolated_env(tmp_path / "jupyter"), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    results = tmp_path / "results"
    assert {"report.html", "results.xlsx", "summary.csv", "replications.csv"} <= {p.name for p in results.iterdir()}
    assert "Default adult SUD IOP" in (results / "report.html").read_text()
    assert "Written:" in (tmp_path / "out.ipynb").read_text()
