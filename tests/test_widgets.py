"""Every widget of the course maps to a real scenario field and cannot offer a value the model refuses."""

from __future__ import annotations

import base64
import io

import ipywidgets as ipw
import numpy as np
import pytest
from matplotlib.image import imread

import iopsim
from iopsim.core import parameters
from iopsim.course import change_charts, program_charts, quiz, widgets
from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario
from iopsim.present.plots import DPI

FORMS = sorted(widgets.FORMS)


def flat(data, prefix=""):
    """{dotted path: value} of to_dict(), tracks reached as tracks.tracks[i] like the widgets' paths."""
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flat(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            out.update(flat(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def changed(a: Scenario, b: Scenario) -> set[str]:
    """The parameters (paths as in parameters.walk) whose values differ; a mapping counts as one."""
    fa, fb = flat(a.to_dict()), flat(b.to_dict())
    known = [p.path for p in parameters.walk(a)]
    return {max((p for p in known if k == p or k.startswith(p + ".")), key=len, default=k)
            for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k)}


def other_value(control: widgets.Control):
    """A widget value different from the current one, inside the widget's own limits."""
    w = control.widget
    if isinstance(w, ipw.Checkbox):
        return not w.value
    if isinstance(w, ipw.Dropdown):
        return next(v for _, v in w.options if v != w.value)
    return w.max if w.value != w.max else w.min


def extremes(control: widgets.Control):
    w = control.widget
    if isinstance(w, ipw.Checkbox):
        return [True, False]
    if isinstance(w, ipw.Dropdown):
        return [v for _, v in w.options]
    return [w.min, w.max]


@pytest.fixture(params=FORMS)
def form(request):
    return widgets.FORMS[request.param](None)


def test_an_untouched_form_builds_its_base_scenario(form):
    assert form.scenario() == form.base


def test_every_widget_sets_exactly_its_own_field(form):
    for control in form.controls:
        start = control.widget.value
        control.widget.value = other_value(control)
        built = form.scenario()
        assert changed(form.base, built) == {control.path}, control.path
        assert parameters.get(built, control.path) == control.value
        control.widget.value = start
    assert form.scenario() == form.base


def test_every_widget_limit_lies_inside_the_fields_allowed_range(form):
    for control in form.controls:
        p = parameters.info(control.path, form.base)
        w = control.widget
        if isinstance(w, (ipw.IntSlider, ipw.FloatSlider)):
            assert p.contains(w.min) and p.contains(w.max), control.path
            assert w.continuous_update is False  # a run starts on Run, never on every key press
            assert p.unit in w.description or "(" in w.description
        for value in extremes(control):  # every value the widget can take builds a valid scenario
            control.widget.value = value
            parameters.replace(form.base, {control.path: control.value})
        form.reset()


def test_the_widgets_at_their_extremes_together_still_make_a_valid_scenario(form):
    for pick in (0, -1):
        for control in form.controls:
            control.widget.value = extremes(control)[pick]
        assert isinstance(form.scenario(), Scenario)
    form.reset()
    assert form.scenario() == form.base


def test_forms_start_from_the_scenario_they_are_given():
    base = Scenario().replace(**{"referrals.per_week": 9.0, "staff.iop_counsellors": 3})
    form = widgets.capacity_form(base)
    assert form["referrals.per_week"].widget.value == 9.0
    assert form["staff.iop_counsellors"].widget.value == 3
    assert form.scenario() == base
    closed = parameters.replace(None, {"tracks.tracks[1].groups": 0})  # evening track unticked, ticking opens 1 group
    switch = widgets.schedule_form(closed)["tracks.tracks[1].groups"]
    assert switch.widget.value is False
    switch.widget.value = True
    assert switch.value == 1
    no_evening = Scenario().replace(**{"tracks.tracks": [Scenario().to_dict()["tracks"]["tracks"][0]]})
    with pytest.raises(ScenarioError):  # the evening-track widgets name a track this program lacks
        widgets.schedule_form(no_evening)


def test_a_slider_may_narrow_the_fields_range_never_widen_it():
    rate = Scenario().referrals.per_week
    s = widgets.slider("referrals.per_week", "Referrals", min=1, max=12)
    assert (s.widget.min, s.widget.max, s.widget.value) == (1, 12, rate)
    assert "clients/week" in s.widget.description
    exclusive = widgets.slider("treatment.attendance_mean", "Attendance", step=0.05)
    assert exclusive.widget.min == pytest.approx(0.05)  # the field excludes 0
    for bad in ({"min": -1}, {"max": 501}, {"min": rate + 1, "max": 500}):  # below 0, above 500, default outside
        with pytest.raises(ValueError):
            widgets.slider("referrals.per_week", "Referrals", **bad)
    with pytest.raises(ScenarioError):
        widgets.slider("referrals.no_such_field", "Nothing")


def test_a_form_refuses_controls_built_for_another_scenario_or_twice_the_same_field():
    other = Scenario().replace(**{"referrals.per_week": 9.0})
    with pytest.raises(ValueError):
        widgets.Form([widgets.slider("referrals.per_week", "Referrals", base=other)], Scenario())
    with pytest.raises(ValueError):
        widgets.Form([widgets.slider("referrals.per_week", "Referrals"),
                      widgets.slider("referrals.per_week", "Again")])


def test_choices_offer_a_literal_fields_values_and_keep_the_current_one():
    admission = widgets.choice("tracks.admission", "Admission")
    assert [v for _, v in admission.widget.options] == ["rolling", "cohort"]
    evening_days = widgets.days_choice("tracks.tracks[1].days", "Evening days")
    assert ("Mon", "Tue", "Thu") in [v for _, v in evening_days.widget.options]  # the default, added
    assert evening_days.widget.value == ("Mon", "Tue", "Thu")
    switch = widgets.switch("tracks.tracks[1].groups", "Evening track", off=0)
    assert switch.widget.value is True and switch.value == 1
    switch.widget.value = False
    assert switch.value == 0


# ------------------------------------------------------------------------------------ run panel
def fake_chart(text):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1])
    return fig, text


def test_run_panel_builds_the_scenario_from_its_form_and_writes_the_summary_last():
    seen = []

    def compute(scenario, progress):
        seen.append(scenario)
        for i in range(3):
            progress(i + 1, 3)
        return scenario.referrals.per_week

    panel = widgets.RunPanel(widgets.capacity_form(), compute, lambda rate: fake_chart(f"rate {rate:g} a week"))
    assert seen == [Scenario()]  # ran once when built
    assert f"rate {Scenario().referrals.per_week:g} a week" in panel.summary.value
    assert panel.progress.value == panel.progress.max == 3 and panel.progress.bar_style == "success"
    panel.form["referrals.per_week"].widget.value = 9.5
    panel.button.click()
    assert seen[-1].referrals.per_week == 9.5
    assert "rate 9.5 a week" in panel.summary.value
    assert not panel.button.disabled


def test_run_panel_shows_a_refused_scenario_instead_of_failing():
    def compute(scenario, progress):
        raise ScenarioError([("referrals.per_week", -1, "a number from 0 to 500")])

    panel = widgets.RunPanel(widgets.dose_form(), compute, fake_chart)
    assert "Cannot run" in panel.summary.value and "referrals.per_week" in panel.summary.value
    assert not panel.button.disabled


def test_run_panel_shows_a_fault_of_the_kit_with_its_traceback():
    def compute(scenario, progress):
        raise ZeroDivisionError("a fault in the kit")

    panel = widgets.RunPanel(widgets.dose_form(), compute, fake_chart)
    assert "Traceback" in panel.out.value and "ZeroDivisionError: a fault in the kit" in panel.out.value
    assert panel.progress.bar_style == "danger" and not panel.button.disabled


def outputs_in(widget) -> list:
    children = getattr(widget, "children", ())
    return ([widget] if isinstance(widget, ipw.Output) else []) + [o for c in children for o in outputs_in(c)]


def test_panels_drawn_when_a_page_loads_hold_their_charts_as_html_not_captured_output(short_run):
    """Voila runs the page's cells itself; output captured into an Output widget makes it send updates to
    the kernel while it waits for the cell to end, and now and then the page then never finishes loading."""
    panel = widgets.RunPanel(widgets.dose_form(), lambda s, p: "one chart", fake_chart)
    viewer = widgets.ClientViewer(short_run)
    for widget in (panel.widget, viewer.widget):
        assert not outputs_in(widget)
    assert panel.out.value.count("<img") == 1 and viewer.out.value.count("<img") == 1


def texts(widget) -> str:
    """Every HTML value in a widget tree, joined: what the page shows in words."""
    children = getattr(widget, "children", ())
    return " ".join([widget.value] if isinstance(widget, ipw.HTML) else [texts(c) for c in children])


STALE = "(the notebook was reopened or its kernel restarted), run this cell again with Shift + Enter"


def test_panels_say_what_to_do_when_a_restarted_kernel_leaves_them_inert(short_run):
    """After a kernel restart the widgets stay on the page, looking live; each says, by its button, to run the
    cell again (as the quizzes do)."""
    panel = widgets.RunPanel(widgets.dose_form(), lambda s, p: 1.0, fake_chart, button="Compare", run_now=False)
    assert STALE in texts(panel.widget) and "use <b>Compare</b>" in texts(panel.widget)
    assert "use <b>Client</b>" in texts(widgets.ClientViewer(short_run).widget)
    assert "use <b>Play</b>" in texts(widgets.time_lapse(short_run))
    assert "use <b>the sliders</b>" in texts(widgets.hours_calculator())
    assert "use <b>Check</b>" in texts(quiz.show("00"))
    for panel_text in (texts(panel.widget), texts(quiz.show("00"))):
        assert panel_text.count(STALE) == 1


def test_a_chart_is_drawn_once_with_the_pixels_savefig_gives():
    """chart_html paints with the canvas's one draw instead of savefig's two: the picture must not change."""
    result = change_charts.paired(Scenario(), {"more": Scenario().replace(**{"referrals.per_week": 6.0})}, reps=2,
                                  seed=0)
    kpis = ["admissions_per_year", "waitlist_mean", "lost_before_treatment_share", "seat_utilisation"]
    fig, summary = change_charts.change_bars(result, kpis, title="t")
    saved = io.BytesIO()
    fig.savefig(saved, format="png", dpi=DPI, facecolor="white")
    html = widgets.chart_html(change_charts.change_bars(result, kpis, title="t"))
    drawn = base64.b64decode(html.split("base64,", 1)[1].split('"', 1)[0])
    assert np.array_equal(imread(io.BytesIO(drawn)), imread(io.BytesIO(saved.getvalue())))


def test_show_and_progress_bar():
    box = widgets.show(fake_chart("one line"))
    assert "one line" in box.children[1].value and 'alt="one line"' in box.children[0].value
    bar, step = widgets.progress_bar()
    step(2, 4)
    assert (bar.value, bar.max) == (2, 4)
    step(4, 4)
    assert bar.bar_style == "success"


# ------------------------------------------------------------------------------------ teaching widgets
@pytest.mark.parametrize("hours, level", [(6, "1"), (8.5, "1"), (9, "2.1"), (19.5, "2.1"), (20, "2.5"), (30, "2.5")])
def test_level_of_care_follows_asam_for_adults(hours, level):
    words = widgets.level_of_care(hours)
    assert f"ASAM level {level})" in words or f"ASAM level {level};" in words


def test_level_of_care_speaks_the_fourth_editions_words():
    """ASAM 4th edition: level 2.5 is high-intensity outpatient (partial hospitalisation only as the 3rd's name)."""
    assert widgets.level_of_care(25).startswith("high-intensity outpatient")
    assert "3rd edition" in widgets.level_of_care(25)
    assert "4th edition" in widgets.ASAM_EDITION


def test_level_of_care_for_adolescents_starts_iop_at_six_hours():
    assert "2.1" in widgets.level_of_care(6, adult=False)
    assert "level 1)" in widgets.level_of_care(5.5, adult=False)


def test_hours_calculator_updates_its_answer():
    box = widgets.hours_calculator()
    days, hours, answer, _restart_note = box.children
    assert "9 hours a week" in answer.value and "2.1" in answer.value
    days.value = 5
    hours.value = 4.0
    assert "20 hours a week" in answer.value and "2.5" in answer.value


@pytest.fixture(scope="module")
def short_run():
    return iopsim.simulate(Scenario().replace(**{"run.horizon_days": 120.0}), seed=4)


def test_client_viewer_shows_the_chosen_clients_story_and_journey(short_run):
    viewer = widgets.ClientViewer(short_run)
    clients = [c for _, c in viewer.picker.options]
    admitted = set(short_run.events.loc[short_run.events.event == "admitted", "client"])
    assert clients and set(clients) == admitted
    viewer.picker.value = clients[-1]
    assert f"Client {clients[-1]}" in viewer.summary.value
    assert "Episode 1" in viewer.story.value


def test_runs_are_the_replications_of_iopsim_replicate(short_run):
    scenario = short_run.scenario
    done = []
    runs = widgets.runs(scenario, 2, seed=5, progress=lambda d, t: done.append((d, t)))
    assert done == [(1, 2), (2, 2)]
    experiment = iopsim.replicate(scenario, reps=2, seed=5, workers=1, progress=False)
    for i, run in enumerate(runs):
        assert run.kpis["admissions"] == experiment.per_rep.loc[i, "admissions"]
    table = program_charts.kpi_intervals({"a": scenario}, ["admissions", "waitlist_mean"], reps=2, seed=5)
    assert table.loc["a", "admissions"] == pytest.approx(np.mean([r.kpis["admissions"] for r in runs]))
    assert table.loc["a", "admissions_low"] <= table.loc["a", "admissions"] <= table.loc["a", "admissions_high"]
