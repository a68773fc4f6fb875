"""The scenario: defaults, immutability, round trips, and plain-words errors for bad input."""

from __future__ import annotations

import json
import math
import pickle
import typing

import pydantic
import pytest

from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario, Weibull
from iopsim.core.scenario_file import read_scenario_file, scenario_to_yaml, write_scenario_file


def modified() -> Scenario:
    """A scenario far from the default: several tracks, changed dicts, curves and lists."""
    tracks = [
        {"name": "day", "days": ["Mon", "Wed", "Fri"], "start_hour": 9.5, "group_cap": 10},
        {"name": "evening: late", "evening": True, "days": ["Tue", "Thu"], "start_hour": 18, "hours": 4.5},
        {"name": "weekend 'Sat'", "days": ["Sat"], "start_hour": 10, "hours": 6, "groups": 2},
    ]
    return Scenario(
        name="Rural clinic: 3 tracks, \"small\" staff — ünïcode",
        referrals={"per_week": 9.25, "source_shares": {"community": 0.5, "step_down": 0.2, "step_up": 0.1,
                                                        "justice": 0.2}},
        intake={"show_curve": [[0, 0.9], [2, 0.6], [10, 0.3]], "open_days": ["Tue", "Thu"], "mode": "walk_in"},
        tracks={"tracks": tracks, "admission": "cohort", "step_down_priority": False},
        treatment={"planned_weeks": {"low": 4, "moderate": 10, "high": 16}},
        relapse={"after_completion": {"shape": 0.5, "scale_days": 400}},
        staff={"iop_counsellors": 5},
        calendar={"holidays": []},
    )


# ------------------------------------------------------------------------- the model
def test_default_scenario_is_valid():
    s = Scenario()
    assert s.staff.iop_counsellors == 4
    assert [t.name for t in s.tracks.tracks] == ["day", "evening"]
    assert s.weekly_iop_hours == {"day": 9.0, "evening": 9.0}


def test_scenario_is_frozen():
    s = Scenario()
    with pytest.raises(pydantic.ValidationError):
        s.staff.iop_counsellors = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        s.name = "other"  # type: ignore[misc]


def test_replace_changes_one_path_and_keeps_the_original():
    s = Scenario()
    n = s.staff.iop_counsellors
    t = s.replace(**{"staff.iop_counsellors": n + 1, "run.horizon_days": 30})
    assert (t.staff.iop_counsellors, t.run.horizon_days) == (n + 1, 30)
    assert s.staff.iop_counsellors == n


@pytest.mark.parametrize("path", ["staff.iop_counselors", "staffing.iop_counsellors", "nothing"])
def test_replace_unknown_path_raises(path):
    with pytest.raises(ScenarioError, match=path):
        Scenario().replace(**{path: 3})


def test_replace_invalid_value_raises():
    with pytest.raises(ScenarioError, match=r"staff\.iop_counsellors: got -3"):
        Scenario().replace(**{"staff.iop_counsellors": -3})


@pytest.mark.parametrize("scenario", [Scenario(), modified()], ids=["default", "modified"])
def test_dict_round_trip(scenario):
    data = scenario.to_dict()
    assert json.loads(json.dumps(data)) == data  # plain JSON types only
    assert Scenario.from_dict(data) == scenario


def _leaves(model: type, prefix: str = ""):
    """(path, field) for every parameter, going into groups and lists of groups."""
    for name, field in model.model_fields.items():
        args = typing.get_args(field.annotation)
        if isinstance(field.annotation, type) and issubclass(field.annotation, pydantic.BaseModel):
            if field.annotation is not Weibull:  # shape/scale take the source of their parent field
                yield from _leaves(field.annotation, f"{prefix}{name}.")
                continue
        if args and isinstance(args[0], type) and issubclass(args[0], pydantic.BaseModel):
            yield from _leaves(args[0], f"{prefix}{name}[].")
        if name != "name":
            yield f"{prefix}{name}", field


def test_every_parameter_has_a_source():
    leaves = dict(_leaves(Scenario))
    assert len(leaves) > 60
    missing = [p for p, f in leaves.items() if not (f.json_schema_extra or {}).get("source", "").strip()]
    assert missing == []


# ------------------------------------------------------------------------------ files
@pytest.mark.parametrize("scenario", [Scenario(), modified()], ids=["default", "modified"])
@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_file_round_trip(tmp_path, scenario, suffix):
    path = tmp_path / f"scenario{suffix}"
    scenario.to_file(path)
    assert Scenario.from_file(path) == scenario
    assert read_scenario_file(path) == scenario.to_dict()


def test_yaml_text_explains_itself():
    text = scenario_to_yaml(Scenario())
    assert text.startswith("# iopsim scenario: Default adult SUD IOP")
    assert "Festinger" in text and "28 Pa. Code 704.12(a)" in text
    assert "# clients/week; a number from 0 to 500; source: calibrated" in text
    assert "iopsim validate" in text  # how to check the file
    assert all(len(line) <= 100 for line in text.splitlines() if line.lstrip().startswith("#"))


def test_writing_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("old, unparsable: [")
    write_scenario_file(modified(), path)
    assert Scenario.from_file(path) == modified()
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


def test_writing_to_an_unknown_file_type_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="s.txt"):
        write_scenario_file(Scenario(), tmp_path / "s.txt")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- errors
def test_error_message_lists_every_problem():
    err = ScenarioError([("staff.iop_counsellors", -1, "a whole number from 0 to 100"),
                         ("run.horizon_days", 0, "a number above 0 and at most 36500")], source="my.yaml")
    assert str(err).splitlines() == [
        "my.yaml: Scenario has 2 problems:",
        "  staff.iop_counsellors: got -1; allowed: a whole number from 0 to 100",
        "  run.horizon_days: got 0; allowed: a number above 0 and at most 36500",
    ]
    assert err.problems[0].path == "staff.iop_counsellors" and err.problems[1].value == 0
    assert str(pickle.loads(pickle.dumps(err))) == str(err)  # survives worker processes
    assert str(ScenarioError([("x", 1, "y")])).startswith("Scenario has 1 problem:\n")


TRACK = {"name": "day", "days": ["Mon", "Wed", "Fri"]}

# (id, how to load, what to load, strings the message must contain)
INVALID = [
    ("per_week text", "dict", {"referrals": {"per_week": "lots"}},
     ["referrals.per_week", "'lots'", "a number from 0 to 500"]),
    ("list for a bool", "dict", {"tracks": {"step_down_priority": [1, 2]}},
     ["tracks.step_down_priority", "[1, 2]", "true or false"]),
    ("evening share 1.5", "dict", {"referrals": {"evening_share": 1.5}},
     ["referrals.evening_share", "1.5", "a number from 0 to 1"]),
    ("attendance negative", "dict", {"treatment": {"attendance_mean": -0.1}},
     ["treatment.attendance_mean", "-0.1", "a number above 0 and at most 1"]),
    ("group cap 0", "dict", {"tracks": {"tracks": [{**TRACK, "group_cap": 0}]}},
     ["tracks.tracks[0].group_cap", "got 0", "a whole number from 1 to 30"]),
    ("eight days", "dict", {"tracks": {"tracks": [{**TRACK, "days": [*"Mon Tue Wed Thu Fri Sat Sun".split(), "Mon"]}]}},
     ["tracks.tracks[0].days", "'Sun', 'Mon'", "1 to 7 items"]),
    ("day twice", "dict", {"tracks": {"tracks": [{**TRACK, "days": ["Mon", "Mon"]}]}},
     ["tracks.tracks[0].days", "['Mon', 'Mon']", "twice"]),
    ("Funday", "dict", {"tracks": {"tracks": [{**TRACK, "days": ["Mon", "Funday"]}]}},
     ["tracks.tracks[0].days[1]", "'Funday'", "one of 'Mon', 'Tue'"]),
    ("unknown top-level field", "dict", {"budget": 1000},
     ["budget", "1000", "not a known parameter", "known here: name, referrals"]),
    ("misspelt group", "dict", {"referals": {"per_week": 3}},
     ["referals", "{'per_week': 3}", "(did you mean 'referrals'?)"]),
    ("misspelt field", "dict", {"referrals": {"per_wek": 3}},
     ["referrals.per_wek", "got 3", "did you mean 'per_week'?", "known here: per_week, weekday_weights"]),
    ("negative counsellors", "dict", {"staff": {"iop_counsellors": -1}},
     ["staff.iop_counsellors: got -1; allowed: a whole number from 0 to 100"]),
    ("fractional counsellors", "dict", {"staff": {"prescribers": 1.5}},
     ["staff.prescribers", "1.5", "a whole number from 0 to 20"]),
    ("shares not summing to 1", "dict", {"referrals": {"severity_shares": {"low": 0.5, "moderate": 0.2, "high": 0.2}}},
     ["referrals.severity_shares", "0.2", "add up to 1"]),
    ("unknown share key", "dict", {"referrals": {"severity_shares": {"low": 0.5, "extreme": 0.5}}},
     ["referrals.severity_shares.extreme", "'extreme'", "one of 'low', 'moderate', 'high'"]),
    ("show probability 2", "dict", {"intake": {"show_curve": [[1, 0.7], [3, 2]]}},
     ["intake.show_curve", "[3, 2]", "between 0 and 1"]),
    ("show days descending", "dict", {"intake": {"show_curve": [[7, 0.4], [1, 0.7]]}},
     ["intake.show_curve", "[[7, 0.4], [1, 0.7]]", "ascending"]),
    ("planned above max", "dict",
     {"treatment": {"planned_weeks": {"low": 6, "moderate": 8, "high": 20}, "max_weeks": 16}},
     ["treatment.planned_weeks", "20", "max_weeks (16)"]),
    ("past midnight", "dict", {"tracks": {"tracks": [{**TRACK, "start_hour": 22, "hours": 3}]}},
     ["tracks.tracks[0]", "22", "runs past midnight"]),
    ("duplicate track names", "dict", {"tracks": {"tracks": [TRACK, TRACK]}},
     ["tracks", "'day'", "unique"]),
    ("holiday 400", "dict", {"calendar": {"holidays": [0, 400]}},
     ["calendar.holidays", "400", "0-364"]),
    ("horizon 0", "dict", {"run": {"horizon_days": 0}},
     ["run.horizon_days", "got 0", "a number above 0 and at most 36500"]),
    ("admission lottery", "dict", {"tracks": {"admission": "lottery"}},
     ["tracks.admission", "'lottery'", "one of 'rolling', 'cohort'"]),
    ("weibull shape", "dict", {"relapse": {"untreated": {"shape": -1, "scale_days": 100}}},
     ["relapse.untreated.shape", "-1", "a number above 0 and at most 5"]),
    ("track without name", "dict", {"tracks": {"tracks": [{"days": ["Mon"]}]}},
     ["tracks.tracks[0].name", "got nothing", "text of 1 to 40 characters"]),
    ("group as a list", "dict", {"tracks": [TRACK]},
     ["tracks: got [{'name': 'day'", "a group of parameters: tracks, admission"]),
    ("empty name", "dict", {"name": ""}, ["name: got ''", "text of 1 to 120 characters"]),
    ("top level a list", "dict", [1, 2], ["(top level)", "[1, 2]"]),
    ("malformed yaml", ".yaml", "staff:\n  iop_counsellors: 3\n prescribers: 1\n",
     ["s.yaml", "line 3, column 2", "'prescribers: 1'", "valid YAML (indent with spaces"]),
    ("tab-indented yaml", ".yaml", "staff:\n\tiop_counsellors: 3\n", ["s.yaml", "line 2", "valid YAML"]),
    ("empty yaml", ".yaml", "", ["s.yaml", "the file is empty"]),
    ("comments only", ".yml", "# nothing here\n", ["s.yml", "the file is empty"]),
    ("yaml list", ".yaml", "- staff\n- run\n", ["s.yaml", "(top level)", "['staff', 'run']"]),
    ("yaml scalar", ".yaml", "just some words\n", ["s.yaml", "(top level)", "'just some words'"]),
    ("duplicate key", ".yaml", "staff:\n  prescribers: 1\n  prescribers: 2\n",
     ["s.yaml", "line 3", "'prescribers' appears twice"]),
    ("missing file", "missing", None, ["nowhere.yaml", "nothing was found"]),
    ("a folder", "folder", None, ["folder.yaml", "not a folder"]),
    ("wrong suffix", ".txt", "staff: {}\n", ["s.txt", ".yaml, .yml, .json"]),
    ("json wrong type", ".json", '{"staff": {"iop_counsellors": "two"}}',
     ["staff.iop_counsellors", "'two'", "a whole number from 0 to 100"]),
    ("malformed json", ".json", '{"staff": {"iop_counsellors": 2,}}', ["s.json", "line 1", "valid JSON"]),
    ("empty json", ".json", "  \n", ["s.json", "the file is empty"]),
    ("yaml wrong types", ".yaml", "run:\n  horizon_days: a year\n", ["run.horizon_days", "'a year'"]),
]


def load(kind: str, payload, tmp_path) -> Scenario:
    if kind == "dict":
        return Scenario.from_dict(payload)
    if kind == "missing":
        return Scenario.from_file(tmp_path / "nowhere.yaml")
    if kind == "folder":
        (tmp_path / "folder.yaml").mkdir()
        return Scenario.from_file(tmp_path / "folder.yaml")
    path = tmp_path / f"s{kind}"
    path.write_text(payload, encoding="utf-8")
    return Scenario.from_file(path)


@pytest.mark.parametrize("kind, payload, expected", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_scenario_is_reported_in_plain_words(tmp_path, kind, payload, expected):
    with pytest.raises(ScenarioError) as caught:
        load(kind, payload, tmp_path)
    err = caught.value
    assert isinstance(err, ValueError)
    assert len(err.problems) == 1, str(err)
    message = str(err)
    assert message.startswith(("Scenario has 1 problem:", f"{tmp_path}"))
    for text in expected:
        assert text in message


def test_all_problems_in_a_file_are_reported_at_once(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(
        "referrals:\n  per_week: many\n"
        "tracks:\n  admission: lottery\n  tracks:\n  - name: day\n    group_cap: 0\n"
    )
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_file(path)
    err = caught.value
    assert len(err.problems) == 3
    assert {p.path for p in err.problems} == {"referrals.per_week", "tracks.admission", "tracks.tracks[0].group_cap"}
    assert str(err).startswith(f"{tmp_path / 'three.yaml'}: Scenario has 3 problems:\n")
    assert len(str(err).splitlines()) == 4


def test_yaml_error_names_the_file_and_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("staff:\n  iop_counsellors: [2\n")
    with pytest.raises(ScenarioError) as caught:
        read_scenario_file(path)
    assert caught.value.source == str(path)
    assert caught.value.problems[0].path.startswith("line ")


# ------------------------------------------- odd keys, paths and shares
def test_non_text_top_level_key_is_a_scenario_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("1: 2\n")
    with pytest.raises(ScenarioError):
        Scenario.from_file(path)


@pytest.mark.parametrize("path", ["staff.iop_counsellors.extra", "name.Default"])
def test_replace_below_a_leaf_is_a_scenario_error(path):
    with pytest.raises(ScenarioError):
        Scenario().replace(**{path: 1})


def test_negative_placement_share_is_refused():
    with pytest.raises(ScenarioError):
        Scenario(placement={"iop_share": {"low": -0.5, "moderate": 0.9, "high": 0.6}})


@pytest.mark.parametrize("path, value, allowed", [
    ("referrals.weekday_weights", [1, 1, math.nan, 1, 1, 0, 0], "a number, not nan or infinity"),
    ("referrals.weekday_weights", [1, 1, math.inf, 1, 1, 0, 0], "a number, not nan or infinity"),
    ("intake.show_curve", [[math.nan, 0.5]], "a number, not nan or infinity"),
    ("referrals.per_week", -math.inf, "a number from 0 to 500, not nan or infinity"),
    ("referrals.source_shares.community", math.nan, "a number, not nan or infinity"),
    ("staff.iop_counsellors", True, "a whole number from 0 to 100"),
    ("referrals.weekday_weights", [1, True, 1, 1, 1, 0, 0], "a list of 7 values, each a number"),
    ("treatment.planned_weeks.low", False, "a mapping; keys one of 'low', 'moderate', 'high'; values a whole number"),
    ("calendar.holidays", [True], "a list, each item a whole number"),
])
def test_non_finite_numbers_and_booleans_for_numbers_are_refused(path, value, allowed):
    with pytest.raises(ScenarioError) as info:
        Scenario().replace(**{path: value})
    (problem,) = info.value.problems
    assert path.startswith(problem.path.split("[")[0]) and problem.allowed == allowed


def test_yaml_nan_and_booleans_are_refused_in_files(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("referrals:\n  weekday_weights: [1, .nan, 1, 1, 1, 0, 0]\nstaff:\n  iop_counsellors: true\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        Scenario.from_file(path)
    assert [(p.path, p.allowed) for p in info.value.problems] == [
        ("referrals.weekday_weights[1]", "a number, not nan or infinity"),
        ("staff.iop_counsellors", "a whole number from 0 to 100")]


def test_a_group_given_in_part_keeps_the_rest_of_its_built_in_default():
    scenario = Scenario.from_dict({"relapse": {"after_completion": {"scale_days": 200}}})
    curve = scenario.relapse.after_completion
    assert curve.scale_days == 200
    assert (curve.shape, curve.never_relapse) == (Scenario().relapse.after_completion.shape,
                                                  Scenario().relapse.after_completion.never_relapse)
    assert curve.never_relapse > 0  # the built-in curve's share, not the bare class's 0
