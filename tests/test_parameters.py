"""The parameter table is read from the Scenario model: every field, its unit, limits and source."""

from __future__ import annotations

import math

import pytest

from iopsim.core import parameters
from iopsim.core.errors import ScenarioError
from iopsim.core.formatting import show_value
from iopsim.core.scenario import Scenario


def leaf_paths(data, prefix=""):
    """Dotted paths of to_dict(), descending into groups, lists of groups (tracks[i]) and mappings."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            yield from leaf_paths(value, f"{prefix}[{i}]")
    else:
        yield prefix


def test_every_field_of_the_scenario_is_in_the_table_once():
    paths = [p.path for p in parameters.walk()]
    assert len(paths) == len(set(paths))
    data_paths = [p for p in leaf_paths(Scenario().to_dict()) if not p.endswith("name")]
    for path in data_paths:  # a mapping field (shares by severity) is one parameter: its keys sit below it
        assert any(path == p or path.startswith(p + ".") for p in paths), path
    for p in paths:
        assert any(d == p or d.startswith(p + ".") for d in data_paths), p


def test_values_are_the_scenarios_and_replacing_them_changes_nothing():
    s = Scenario()
    for p in parameters.walk(s):
        assert parameters.get(s, p.path) == p.value, p.path
    changes = {p.path: p.value for p in parameters.walk(s)}
    assert parameters.replace(s, changes) == s


def test_every_parameter_has_a_source_and_assumptions_are_flagged():
    rows = list(parameters.walk())
    assert all(p.source for p in rows)
    for p in rows:
        assert p.is_assumption == (p.evidence == "assumption")
        if p.source.lower().startswith("assumption"):
            assert p.is_assumption, p.path
    by_path = {p.path: p for p in rows}
    assert by_path["treatment.attendance_mean"].is_assumption  # MODEL.md: "no published figure found"
    assert by_path["aftercare.uptake"].is_assumption
    assert by_path["tracks.tracks[0].hours"].evidence == "published"
    assert "Matrix Model" in by_path["tracks.tracks[0].hours"].source
    assert by_path["costs.group_fee"].evidence == "example"
    assert by_path["treatment.planned_weeks"].evidence == "calibrated"
    # fields of a sub-model without a source of their own take their parent's
    assert "McLellan" in by_path["relapse.after_completion.shape"].source


def test_limits_come_from_the_field():
    p = parameters.info("treatment.attendance_mean")
    assert (p.low, p.low_open, p.high, p.high_open) == (0, True, 1, False)
    assert not p.contains(0) and p.contains(0.5) and p.contains(1) and not p.contains(1.01)
    hours = parameters.info("tracks.tracks[1].hours")
    assert (hours.low, hours.high, hours.unit) == (0, 8, "hours")
    assert hours.name == "evening track: hours"
    assert parameters.info("tracks.admission").choices == ("rolling", "cohort")
    with pytest.raises(ScenarioError):
        parameters.info("staff.no_such_thing")


def test_replace_reaches_into_the_tracks_list_and_validates():
    base = Scenario()
    s = parameters.replace(base, {"tracks.tracks[1].groups": 0, "referrals.per_week": 9.0,
                                  "tracks.tracks[0].days": ("Mon", "Tue")})
    assert s.tracks.tracks[1].groups == 0 and s.tracks.tracks[0].days == ("Mon", "Tue")
    assert s.tracks.tracks[1].days == base.tracks.tracks[1].days  # the rest of the track is kept
    assert s.referrals.per_week == 9.0
    for bad in ({"tracks.tracks[5].groups": 1}, {"tracks.tracks[0].nope": 1}, {"tracks.tracks[0].hours": 99},
                {"tracks.tracks[1].hours": 7.0}):  # 18:00 + 7 h runs past midnight: a rule across fields
        with pytest.raises(ScenarioError):
            parameters.replace(base, bad)


def test_table_has_one_row_per_parameter_and_shades_the_assumptions():
    frame = parameters.table()
    assert len(frame) == len(list(parameters.walk()))
    assert list(frame.columns) == ["group", "parameter", "value", "unit", "allowed", "evidence", "assumption",
                                   "source", "path"]
    assert frame.loc[frame.path == "tracks.tracks[0].days", "value"].item() == "Mon, Wed, Fri"
    weeks = Scenario().treatment.planned_weeks
    assert (frame.loc[frame.path == "treatment.planned_weeks", "value"].item()
            == f"low {weeks['low']}, moderate {weeks['moderate']}, high {weeks['high']}")
    assert sum(parameters.counts().values()) == len(frame)
    html = parameters.styled_table().to_html()
    assert html.count("#FFF3C4") >= 1 and "Matrix Model" in html


def test_show_value_in_plain_words():
    assert show_value(True) == "yes"
    assert show_value(0.25) == "0.25"
    assert show_value(((1, 0.72), (3, 0.41))) == "(1, 0.72); (3, 0.41)"
    assert show_value(math.inf) == "inf"


def test_one_path_syntax_reads_and_replaces_list_items_too():
    from iopsim.core import paths

    assert paths.split("tracks.tracks[1].groups") == ["tracks", "tracks", 1, "groups"]
    assert paths.join(["tracks", "tracks", 1, "groups"]) == "tracks.tracks[1].groups"
    s = Scenario().replace(**{"tracks.tracks[1].groups": 2, "staff.iop_counsellors": 3})
    assert parameters.get(s, "tracks.tracks[1].groups") == 2 == paths.read(s.to_dict(), "tracks.tracks[1].groups")
    assert "tracks.tracks[0].hours" in paths.flatten(s.to_dict())
    for bad in ("tracks.tracks.1.groups", "tracks.tracks[9].groups", "staff.nobody", "staff..x"):
        with pytest.raises(ScenarioError, match="an existing parameter path"):
            Scenario().replace(**{bad: 1})
