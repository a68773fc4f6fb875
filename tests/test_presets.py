"""The built-in programs (presets): each validates, runs, has a source for every value it changes,
meets its level of care's weekly hours, and matches the published figures it cites."""

from __future__ import annotations

import pytest

import iopsim
from iopsim import cli
from iopsim.analysis import calibration
from iopsim.analysis.catalogue import NAMES as KPI_NAMES
from iopsim.core import paths, presets
from iopsim.core.scenario import Scenario

SHORT = {"run.warm_up_days": 365.0, "run.horizon_days": 365.0}
OTHERS = [name for name in presets.NAMES if name != presets.DEFAULT]


def test_the_presets_are_listed_with_the_default_first():
    assert presets.NAMES[0] == presets.DEFAULT == "adult-sud"
    assert set(presets.NAMES) == {"adult-sud", "adolescent-sud", "adult-mental-health", "virtual-iop"}
    with pytest.raises(ValueError, match="adolescent-sud"):
        presets.info("no-such-program")


def test_the_default_preset_is_the_default_scenario():
    assert Scenario.preset("adult-sud") == Scenario()
    assert presets.info("adult-sud").changes == ()


@pytest.mark.parametrize("name", presets.NAMES)
def test_every_changed_value_has_a_source_and_changes_something(name):
    chosen = presets.info(name)
    scenario, default = Scenario.preset(name), Scenario()
    assert scenario.name == chosen.title and len(chosen.description) > 80
    for change in chosen.changes:
        assert len(change.source) > 15, change.path
        assert paths.read(scenario.to_dict(), change.path) != paths.read(default.to_dict(), change.path), change.path
    assert len(chosen.min_weekly_hours_source) > 15
    for figure in chosen.headline:
        assert figure.kpi in KPI_NAMES, figure.kpi
        assert figure.low <= figure.published <= figure.high, figure.kpi
        assert len(figure.source) > 30 and any(ch.isdigit() for ch in figure.source), figure.kpi


@pytest.mark.parametrize("name", presets.NAMES)
def test_every_track_gives_the_hours_its_level_of_care_asks(name):
    chosen = presets.info(name)
    hours = Scenario.preset(name).weekly_iop_hours
    assert min(hours.values()) >= chosen.min_weekly_hours, hours


def test_the_adolescent_program_meets_after_the_school_day_for_at_least_six_hours():
    tracks = Scenario.preset("adolescent-sud").tracks.tracks
    assert all(t.start_hour >= 15 and set(t.days) <= {"Mon", "Tue", "Wed", "Thu", "Fri"} for t in tracks)
    assert presets.info("adolescent-sud").min_weekly_hours == 6


@pytest.mark.parametrize("name", presets.NAMES)
def test_every_preset_runs(name):
    kpis = iopsim.simulate(Scenario.preset(name).replace(**SHORT), seed=0).kpis
    assert kpis["admissions"] > 20 and kpis["discharges"] > 20


def test_the_default_presets_headline_is_the_calibration_test(name="adult-sud"):
    # the default's figures are calibration targets, held by tests/test_calibration.py
    for figure in presets.info(name).headline:
        target = calibration.TARGETS[figure.kpi]
        assert (target.published, target.low, target.high) == pytest.approx((figure.published, figure.low, figure.high))


@pytest.mark.statistical
@pytest.mark.parametrize("name", OTHERS)
def test_each_preset_matches_the_published_figures_it_cites(name, test_seed):
    chosen = presets.info(name)
    if not chosen.headline:
        pytest.skip(f"{name}: no published figure to match; docs/model.md says which values are assumptions")
    per_rep = iopsim.replicate(Scenario.preset(name), reps=12, seed=test_seed, workers=1, progress=False).per_rep
    for figure in chosen.headline:
        model = per_rep[figure.kpi].mean()
        assert figure.low <= model <= figure.high, (
            f"{name} {figure.kpi}: model {model:.3f} outside [{figure.low:g}, {figure.high:g}] ({figure.source})")


@pytest.mark.parametrize("name", OTHERS)
def test_the_command_line_writes_a_preset_that_reads_back_the_same(name, tmp_path, capsys):
    path = tmp_path / f"{name}.yaml"
    assert cli.main(["defaults", "--preset", name, "-o", str(path)]) == 0
    assert Scenario.from_file(path) == Scenario.preset(name)
    text = path.read_text()
    assert text.startswith(f"# Preset {name}:")
    assert all(change.path in text for change in presets.info(name).changes)


def test_the_lab_preset_picker_hands_over_the_chosen_program():
    pytest.importorskip("ipywidgets")
    from iopsim.lab.preset_picker import preset_picker  # the lab needs the optional ipywidgets
    picked = []
    picker = preset_picker(picked.append)
    menu, about = picker.children
    assert [name for _, name in menu.options] == list(presets.NAMES) and menu.value == "adult-sud"
    menu.value = "virtual-iop"
    assert picked == [Scenario.preset("virtual-iop")]
    assert "video" in about.value
