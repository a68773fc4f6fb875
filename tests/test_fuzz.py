"""Fuzzing every door: scenario files, the command line, the Python API, the lab's widgets, team plans.

Each bad input must be refused with a clear message naming its field or argument (or accepted
when it is fine); never a traceback, an "unexpected error" or a message that grows with the
input.  Scenario files are read in one child process under resource limits (tests/hostile.py),
each within 2 s of CPU and all within 200 MB.  A hypothesis strategy mutates valid scenario
dicts.  The cases are in tests/fuzz_cases.py.
"""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iopsim
from fuzz_cases import API_CASES, CLI_CASES, SUBMISSION_CASES, WIDGET_TEXTS, file_cases
from hostile import billion_laughs, deep_nesting, huge_list, run_script
from iopsim.cli import main
from iopsim.core import paths
from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario
from iopsim.lab import ScenarioLab
from iopsim.lab.fields import MappingField, NumberField, read_number
from iopsim.lab.form import ScenarioForm
from iopsim.workshop.cards import load_card
from iopsim.workshop.submissions import load_submissions, write_submission

FILE_CASES = file_cases()
MESSAGE_LIMIT = 20_000  # characters: a message quotes the input shortened, whatever its size

READ_ALL = """
import json, tempfile, time
from pathlib import Path
from fuzz_cases import file_cases
from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario
out = {}
with tempfile.TemporaryDirectory() as tmp:
    for i, case in enumerate(file_cases()):
        path = Path(tmp) / f"case{i}{case.suffix}"
        path.write_bytes(case.text.encode("utf-8"))
        start = time.process_time()
        try:
            Scenario.from_file(path)
            found = {"error": None}
        except Exception as exc:
            message = str(exc)
            found = {"error": type(exc).__name__, "message": message[:%d], "length": len(message),
                     "paths": [p.path for p in getattr(exc, "problems", [])]}
        found["seconds"] = time.process_time() - start
        out[case.name] = found
print(json.dumps({"cases": out, "peak_bytes": peak_bytes()}))
""" % MESSAGE_LIMIT


@pytest.fixture(scope="module")
def files_read():
    """Every file case read once, in one limited child process."""
    return run_script(READ_ALL)


# ------------------------------------------------------------------------- scenario files
@pytest.mark.parametrize("case", FILE_CASES, ids=[c.name for c in FILE_CASES])
def test_a_scenario_file_is_refused_naming_its_field_or_accepted(files_read, case):
    found = files_read["cases"][case.name]
    assert found["seconds"] <= 2.0, found
    if case.paths is None:
        assert found["error"] is None, found
        return
    assert found["error"] == "ScenarioError", found
    assert found["message"].startswith("/") and " has " in found["message"]  # the file, then its problems
    for path in case.paths:
        assert path in found["paths"], (path, found["paths"], found["message"][:500])
    assert case.words in found["message"], found["message"][:1000]
    assert found["length"] < MESSAGE_LIMIT and "Traceback" not in found["message"]


def test_reading_every_file_case_stays_within_200_mb(files_read):
    assert files_read["peak_bytes"] <= 200 * 1024 ** 2


# ------------------------------------------------------------------------- command line
@pytest.fixture
def cli_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Scenario().replace(**{"run.horizon_days": 30, "run.warm_up_days": 0}).to_file(tmp_path / "FILE.yaml")
    (tmp_path / "BAD.yaml").write_text("staff:\n  iop_counsellors: true\n", encoding="utf-8")
    (tmp_path / "LAUGHS.yaml").write_text(FILE_CASES[-3].text, encoding="utf-8")
    (tmp_path / "FOLDER.yaml").mkdir()
    (tmp_path / "notes.txt").write_text("staff: {}\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("argv, code, words", CLI_CASES, ids=[" ".join(c[0])[:60] or "nothing" for c in CLI_CASES])
def test_a_bad_command_line_is_one_clear_message(cli_files, capsys, argv, code, words):
    files = {"FILE": "FILE.yaml", "BAD.yaml": "BAD.yaml", "LAUGHS.yaml": "LAUGHS.yaml", "FOLDER.yaml": "FOLDER.yaml"}
    argv = [str(cli_files / files[a]) if a in files else a for a in argv]
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert out == ""  # nothing half done on the screen
    assert words in err, err[-2000:]
    assert "Traceback" not in err and "unexpected" not in err and len(err) < MESSAGE_LIMIT
    assert not list(cli_files.glob("**/replications"))  # refused before any work


# ------------------------------------------------------------------------- Python API
SMALL = Scenario().replace(**{"run.horizon_days": 30, "run.warm_up_days": 0})


def call(function: str, arguments: dict):
    arguments = dict(arguments)
    if function == "replace":
        return SMALL.replace(**arguments)
    if function == "from_dict":
        return Scenario.from_dict(arguments["data"])
    if function == "simulate":
        return iopsim.simulate(**{"scenario": SMALL, **arguments})
    alternatives = arguments.pop("alternatives", ({"staff.iop_counsellors": 3},))
    if function == "compare":
        return iopsim.compare(SMALL, *alternatives, **{"workers": 1, "progress": False, **arguments})
    return getattr(iopsim, function)(SMALL, **{"workers": 1, "progress": False, **arguments})


@pytest.mark.parametrize("function, arguments, error, words", API_CASES,
                         ids=[f"{c[0]} {str(c[1])[:50]}" for c in API_CASES])
def test_a_bad_python_call_is_refused_before_any_work_naming_its_argument(monkeypatch, function, arguments, error,
                                                                         words):
    def no_work(*args, **kwargs):
        raise AssertionError("a replication ran for a call that should have been refused")

    monkeypatch.setattr("iopsim.analysis.runner.run_replication", no_work)
    with pytest.raises(error) as info:
        call(function, arguments)
    assert not isinstance(info.value, AssertionError)
    message = str(info.value)
    assert words in message and len(message) < MESSAGE_LIMIT


# ------------------------------------------------------------------------- lab widgets
@pytest.fixture(scope="module")
def form():
    return ScenarioForm(SMALL)


def number_widgets(form) -> dict[str, object]:
    """Every one-number widget on the form by parameter path, the items of mappings included."""
    found = {}
    for path, field in form.leaves().items():
        if isinstance(field, NumberField):
            found[path] = field.control
        elif isinstance(field, MappingField):
            found.update({f"{path}.{key}": widget for key, widget in field.items.items()})
    return found


def test_every_number_widget_at_its_edges_gives_a_valid_scenario_or_names_its_field(form):
    widgets = number_widgets(form)
    assert len(widgets) >= 60
    tried = 0
    for path, widget in widgets.items():
        before = widget.value
        for text in WIDGET_TEXTS:
            widget.value = text
            tried += 1
            try:
                scenario = form.to_scenario()
            except ScenarioError as err:
                field = path.split(".")[-2 if path.count(".") > 1 and "share" in path.split(".")[-2] else -1]
                assert any(path.startswith(p.path) or field in p.allowed for p in err.problems), \
                    (path, text, str(err)[:500])  # the field's path, or a rule across fields that names it
                assert len(str(err)) < MESSAGE_LIMIT
            else:
                kept = paths.read(scenario.to_dict(), path)
                assert math.isfinite(kept) and kept == read_number(widget), (path, text, kept)
            finally:
                widget.value = before
    assert tried >= 600
    assert form.to_scenario() == SMALL


@pytest.mark.parametrize("name, ok", [("", False), (" " * 3, True), ("x" * 121, False), ("x" * 10 ** 5, False),
                                      ("=HYPERLINK(\"x\")", True), ("<script>alert(1)</script>", True)])
def test_the_name_box_at_its_edges(form, name, ok):
    form.fields["name"].set(name)
    try:
        if ok:
            assert form.to_scenario().name == name
        else:
            with pytest.raises(ScenarioError) as info:
                form.to_scenario()
            assert [p.path for p in info.value.problems] == ["name"] and len(str(info.value)) < 1000
    finally:
        form.fields["name"].set(SMALL.name)


@pytest.mark.parametrize("name, text, words", [
    ("laughs.yaml", billion_laughs(), "at most 10,000 values"),
    ("deep.yaml", deep_nesting(5000), "at most 32 levels of nesting"),
    ("big.yaml", huge_list(1), "a file of at most 256 kB"),
    ("deep.json", deep_nesting(5000, json_file=True), "at most 32 levels of nesting"),
])
def test_the_lab_upload_refuses_the_memory_attacks_on_the_page(tmp_path, name, text, words):
    lab = ScenarioLab(SMALL, reps=2, seed=3, folder=tmp_path, workers=1)
    content = text.encode("utf-8")
    lab.files.upload.value = ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                               "last_modified": datetime.datetime.now(datetime.timezone.utc)},)
    assert f"{name}: The scenario has 1 problem" in lab.message.value and words in lab.message.value
    assert len(lab.message.value) < 5000 and lab.form.to_scenario() == SMALL


# ------------------------------------------------------------------------- team plans
@pytest.fixture(scope="module")
def card():
    return load_card("hospital-closes")


@pytest.mark.parametrize("file_name", list(SUBMISSION_CASES))
def test_a_bad_team_plan_is_listed_under_its_team_and_the_others_still_run(tmp_path, card, file_name):
    text, words = SUBMISSION_CASES[file_name]
    (tmp_path / file_name).write_text(text.replace("CARD", card.id), encoding="utf-8")
    write_submission(tmp_path, "Team Fine", card, card.scenario_for({}, "Team Fine"))
    valid, problems = load_submissions(card, tmp_path)
    assert list(valid) == ["Team Fine"]
    (problem,) = problems.values()
    assert words in problem and len(problem) < MESSAGE_LIMIT, problem[:1000]


# ------------------------------------------------------------------------- mutated scenarios
LEAVES = paths.flatten(SMALL.to_dict())
HOSTILE = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10 ** 30, max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.lists(st.integers(-5, 5), max_size=9), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.recursive(st.integers(), lambda inner: st.lists(inner, max_size=3), max_leaves=20),
)


@st.composite
def mutated(draw):
    """A valid scenario dict with one thing changed: a value replaced, a key dropped or an unknown key added."""
    data = SMALL.to_dict()
    path = draw(st.sampled_from(sorted(LEAVES)))
    kind = draw(st.sampled_from(["replace", "drop", "add"]))
    parent_path, _, leaf = path.rpartition(".")
    parent = paths.read(data, parent_path) if parent_path else data
    if kind == "replace":
        value = draw(HOSTILE)
        paths.write(data, path, value)
        return data, path, kind, value
    if kind == "drop" and isinstance(parent, dict) and leaf in parent:
        del parent[leaf]
        return data, path, kind, None
    key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in parent))
    parent[key] = draw(HOSTILE)
    return data, f"{parent_path}.{key}" if parent_path else key, "add", None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_scenario_is_accepted_as_given_or_refused_naming_where(change):
    data, path, kind, value = change
    try:
        scenario = Scenario.from_dict(data)
    except ScenarioError as err:
        group = path.split(".")[0].split("[")[0]
        assert err.problems and all(p.allowed for p in err.problems)
        assert any(p.path.split(".")[0].split("[")[0] == group or p.path == "(top level)" for p in err.problems), \
            (path, [p.path for p in err.problems])
        assert len(str(err)) < MESSAGE_LIMIT
        return
    if kind == "replace":
        kept = paths.read(scenario.to_dict(), path)
        assert kept == value or (isinstance(value, str) and float(value) == kept) or \
            (isinstance(value, list) and list(kept) == value), (path, value, kept)
        assert not isinstance(value, bool) or isinstance(kept, bool)  # true never stands for a number
    elif kind == "drop":  # a parameter left out keeps its built-in default
        assert paths.read(scenario.to_dict(), path) == paths.read(Scenario().to_dict(), path) or \
            path.startswith(("tracks.tracks", "name"))
