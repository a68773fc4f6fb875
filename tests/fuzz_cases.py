"""Bad inputs for tests/test_fuzz.py, by the door they come in by, each with what a good answer says.

A case is refused with a clear message naming its field or argument, or accepted as it should be;
never a traceback, an "unexpected error" or a message that grows with the input.
"""

from __future__ import annotations

import math
import typing
from typing import Any, NamedTuple

from hostile import billion_laughs, deep_nesting
from iopsim.core.scenario import Scenario
from iopsim.core.scenario_file import scenario_to_yaml

# ------------------------------------------------------------------------- scenario files


class FileCase(NamedTuple):
    """A scenario file and the problem paths its error must name (None: the file is valid)."""

    name: str
    text: str
    paths: tuple[str, ...] | None
    words: str = ""  # words the message must hold as well
    suffix: str = ".yaml"


def number_fields(model: Any = Scenario, prefix: str = "") -> dict[str, type]:
    """Every whole-number or number parameter of the model by path (the first track's for tracks)."""
    out: dict[str, type] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation, args = info.annotation, typing.get_args(info.annotation)
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            out.update(number_fields(annotation, path))
        elif typing.get_origin(annotation) is tuple and args and hasattr(args[0], "model_fields"):
            out.update(number_fields(args[0], f"{path}[0]"))
        elif annotation in (int, float):
            out[path] = annotation
    return out


def yaml_at(path: str, value: str) -> str:
    """A YAML file setting one parameter (a track's through the whole list, the second track kept)."""
    parts = path.split(".")
    if "[0]" in path:  # tracks.tracks[0].groups
        field = parts[-1]
        return (f"tracks:\n  tracks:\n    - name: day\n      {field}: {value}\n"
                "    - name: evening\n      evening: true\n      days: [Mon, Tue, Thu]\n      start_hour: 18\n")
    lines, indent = [], ""
    for part in parts[:-1]:
        lines.append(f"{indent}{part}:")
        indent += "  "
    lines.append(f"{indent}{parts[-1]}: {value}")
    return "\n".join(lines) + "\n"


BAD_NUMBERS = {"nan": ".nan", "infinity": ".inf", "true": "true", "text": "lots", "a list": "[1, 2]",
               "minus a billion": "-1000000000"}


def file_cases() -> list[FileCase]:
    cases = [FileCase(f"{path} = {label}", yaml_at(path, value), (path,))
             for path in number_fields() for label, value in BAD_NUMBERS.items()]
    return cases + STRUCTURE_CASES


STRUCTURE_CASES = [
    FileCase("the default file", scenario_to_yaml(Scenario()), None),
    FileCase("one change", "staff:\n  iop_counsellors: 3\n", None),
    FileCase("JSON, one change", '{"staff": {"iop_counsellors": 3}}', None, "", ".json"),
    FileCase("JSON, 5,000 levels", deep_nesting(5000, json_file=True), ("(file)",), "at most 32 levels", ".json"),
    FileCase("JSON, a nan", '{"referrals": {"per_week": NaN}}', ("referrals.per_week",), "not nan", ".json"),
    FileCase("JSON, trailing comma", '{"staff": {"prescribers": 1,}}', ("line 1, column 29",), "valid JSON", ".json"),
    FileCase("windows line ends and a BOM", "\ufeffstaff:\r\n  iop_counsellors: 3\r\n", None),
    FileCase("an anchor and a merge key", "tracks:\n  tracks:\n    - &d {name: day}\n    - <<: *d\n"
             "      name: evening\n      evening: true\n      start_hour: 18\n", None),
    FileCase("a misspelt parameter", "staff:\n  iop_counselors: 3\n", ("staff.iop_counselors",),
             "did you mean 'iop_counsellors'"),
    FileCase("a misspelt group", "staf:\n  iop_counsellors: 3\n", ("staf",), "did you mean 'staff'"),
    FileCase("a group given as a list", "staff: [1, 2]\n", ("staff",)),
    FileCase("a group given as a number", "staff: 3\n", ("staff",)),
    FileCase("a key twice", "staff:\n  prescribers: 1\n  prescribers: 2\n", ("line 3, column 3",), "appears twice"),
    FileCase("a tab", "staff:\n\tprescribers: 1\n", ("line 2, column 1",), "spaces, not tabs"),
    FileCase("unclosed list", "staff: [1, 2\n", ("line 2, column 1",), "valid YAML"),
    FileCase("empty", "", ("(file)",), "the file is empty"),
    FileCase("only a comment", "# nothing\n", ("(file)",), "the file is empty"),
    FileCase("a list at the top", "- staff\n", ("(top level)",)),
    FileCase("a number at the top", "42\n", ("(top level)",)),
    FileCase("a number as a key", "1: 2\n", ("1",), "a parameter name"),
    FileCase("a python object tag", "staff: !!python/object:os.system {}\n", ("line 1, column 8",),
             "could not determine a constructor"),
    FileCase("a date that is not one", "name: 2024-13-45\n", ("(file)",), "month must be in 1..12"),
    FileCase("binary junk", "\x00\x01\x02staff", ("(file)",)),
    FileCase("an empty name", "name: ''\n", ("name",), "text of 1 to 120 characters"),
    FileCase("a name of 121 characters", f"name: {'x' * 121}\n", ("name",), "text of 1 to 120 characters"),
    FileCase("a name that is a formula", "name: '=HYPERLINK(\"http://example.org\")'\n", None),
    FileCase("a name in another script", "name: Программа дневного стационара\n", None),
    FileCase("weekday weights of 6 days", "referrals:\n  weekday_weights: [1, 1, 1, 1, 1, 0]\n",
             ("referrals.weekday_weights[6]",), "got nothing"),
    FileCase("weekday weights all zero", "referrals:\n  weekday_weights: [0, 0, 0, 0, 0, 0, 0]\n",
             ("referrals.weekday_weights",), "at least one day above 0"),
    FileCase("a negative weekday weight", "referrals:\n  weekday_weights: [1, -1, 1, 1, 1, 0, 0]\n",
             ("referrals.weekday_weights",)),
    FileCase("a nan weekday weight", "referrals:\n  weekday_weights: [1, .nan, 1, 1, 1, 0, 0]\n",
             ("referrals.weekday_weights[1]",), "not nan or infinity"),
    FileCase("shares adding to 1.2", "referrals:\n  severity_shares: {low: 0.5, moderate: 0.5, high: 0.2}\n",
             ("referrals.severity_shares",), "add up to 1"),
    FileCase("a share for an unknown severity", "referrals:\n  severity_shares: {low: 0.3, moderate: 0.5, "
             "extreme: 0.2}\n", ("referrals.severity_shares.extreme",), "one of 'low', 'moderate', 'high'"),
    FileCase("a nan share", "referrals:\n  severity_shares: {low: .nan, moderate: 0.5, high: 0.2}\n",
             ("referrals.severity_shares.low",), "not nan or infinity"),
    FileCase("a show curve day of nan", "intake:\n  show_curve: [[.nan, 0.5]]\n", ("intake.show_curve[0][0]",)),
    FileCase("a show curve going back in time", "intake:\n  show_curve: [[3, 0.5], [1, 0.7]]\n",
             ("intake.show_curve",), "days ascending"),
    FileCase("a show curve probability of 2", "intake:\n  show_curve: [[1, 2]]\n", ("intake.show_curve",)),
    FileCase("an empty show curve", "intake:\n  show_curve: []\n", ("intake.show_curve",)),
    FileCase("a show curve point of three numbers", "intake:\n  show_curve: [[1, 0.5, 3]]\n",
             ("intake.show_curve[0]",)),
    FileCase("an open day twice", "intake:\n  open_days: [Mon, Mon]\n", ("intake.open_days",), "twice: ['Mon']"),
    FileCase("a weekday misspelt", "intake:\n  open_days: [Mon, Tues]\n", ("intake.open_days[1]",)),
    FileCase("assessor hours past midnight", "intake:\n  assessor_hours_per_week: 168\n  open_hour: 20\n",
             ("intake",), "past midnight"),
    FileCase("no tracks", "tracks:\n  tracks: []\n", ("tracks.tracks",)),
    FileCase("eleven tracks", "tracks:\n  tracks:\n" + "".join(f"    - name: t{i}\n" for i in range(11)),
             ("tracks.tracks",)),
    FileCase("two tracks of one name", "tracks:\n  tracks:\n    - name: day\n    - name: day\n",
             ("tracks",), "unique"),
    FileCase("a track with no name", "tracks:\n  tracks:\n    - days: [Mon]\n", ("tracks.tracks[0].name",)),
    FileCase("a session past midnight", "tracks:\n  tracks:\n    - name: late\n      start_hour: 23\n",
             ("tracks.tracks[0]",), "past midnight"),
    FileCase("a track on no day", "tracks:\n  tracks:\n    - name: none\n      days: []\n",
             ("tracks.tracks[0].days",)),
    FileCase("evening as a number", "tracks:\n  tracks:\n    - name: day\n      evening: [1]\n",
             ("tracks.tracks[0].evening",)),
    FileCase("an unknown admission policy", "tracks:\n  admission: lottery\n", ("tracks.admission",),
             "one of 'rolling', 'cohort'"),
    FileCase("a plan longer than the maximum", "treatment:\n  planned_weeks: {low: 9, moderate: 11, high: 60}\n",
             ("treatment.planned_weeks",)),
    FileCase("a severity missing", "placement:\n  iop_share: {low: 0.5, moderate: 0.9}\n",
             ("placement.iop_share",), "every severity"),
    FileCase("a holiday on day 400", "calendar:\n  holidays: [0, 400]\n", ("calendar.holidays",), "0-364"),
    FileCase("a holiday of true", "calendar:\n  holidays: [true]\n", ("calendar.holidays",)),
    FileCase("a weibull shape of 0", "relapse:\n  after_completion: {shape: 0, scale_days: 900}\n",
             ("relapse.after_completion.shape",)),
    FileCase("a weibull without scale keeps the built-in scale", "relapse:\n  after_completion: {shape: 0.4}\n", None),
    FileCase("a horizon of 10^400", "run:\n  horizon_days: 1" + "0" * 400 + "\n", ("run.horizon_days",)),
    FileCase("billion laughs", billion_laughs(), ("line 5, column 12",), "at most 10,000 values"),
    FileCase("5,000 levels of nesting", deep_nesting(5000), ("line 2, column 50",), "at most 32 levels"),
    FileCase("a 300 kB file", "# padding\n" * 30_000, ("(file)",), "a file of at most 256 kB"),
]

# ------------------------------------------------------------------------- command line
CLI_CASES: list[tuple[list[str], int, str]] = [  # argv after 'iopsim' (FILE: a valid tiny file), exit, words
    ([], 2, "usage"),
    (["frobnicate"], 2, "invalid choice"),
    (["run"], 2, "FILE"),
    (["run", "FILE", "--reps"], 2, "expected one argument"),
    (["run", "FILE", "--reps", "0"], 2, "--reps: must be a whole number from 1 to 10,000"),
    (["run", "FILE", "--reps", "-5"], 2, "--reps: must be a whole number from 1 to 10,000"),
    (["run", "FILE", "--reps", "1e3"], 2, "--reps: must be a whole number, got '1e3'"),
    (["run", "FILE", "--reps", ""], 2, "--reps: must be a whole number, got ''"),
    (["run", "FILE", "--reps", "1000000000"], 2, "--reps: must be a whole number from 1 to 10,000"),
    (["run", "FILE", "--reps", "9" * 5000], 2, "--reps: must be a whole number"),
    (["run", "FILE", "--reps", "nan"], 2, "--reps: must be a whole number, got 'nan'"),
    (["run", "FILE", "--seed", "-1"], 2, "--seed: must be a whole number from 0 to 4,294,967,295"),
    (["run", "FILE", "--seed", "4294967296"], 2, "--seed: must be a whole number from 0 to 4,294,967,295"),
    (["run", "FILE", "--seed", "1.5"], 2, "--seed: must be a whole number"),
    (["run", "FILE", "--seed", "(1, 2)"], 2, "--seed: must be a whole number"),
    (["run", "FILE", "--workers", "0"], 2, "--workers: must be a whole number from 1"),
    (["run", "FILE", "--workers", "100000"], 2, "--workers: must be a whole number from 1 to 1,024"),
    (["run", "FILE", "--precision", "0"], 2, "--precision: must lie between 0 and 1"),
    (["run", "FILE", "--precision", "nan"], 2, "--precision: must lie between 0 and 1"),
    (["run", "FILE", "--precision", "inf"], 2, "--precision: must lie between 0 and 1"),
    (["run", "FILE", "--precision", "five percent"], 2, "--precision: precision must be a number"),
    (["run", "FILE", "--precision", "0.05", "--kpis", ","], 2, "give at least one KPI name"),
    (["run", "FILE", "--precision", "0.05", "--kpis", "waits"], 2, "unknown KPI 'waits'"),
    (["run", "FILE", "--kpis", "census_mean"], 2, "give --precision too"),
    (["run", "FILE", "--precision", "0.05", "--max-reps", "0"], 2, "--max-reps: must be a whole number from 1"),
    (["run", "FILE", "--precision", "0.05", "--reps", "50", "--max-reps", "20"], 2, "--max-reps (20) must be at"),
    (["run", "missing.yaml"], 1, "nothing was found at this path"),
    (["run", "notes.txt"], 1, "a file ending in .yaml, .yml, .json"),
    (["run", "FOLDER.yaml"], 1, "a file, not a folder"),
    (["run", "BAD.yaml"], 1, "staff.iop_counsellors: got True"),
    (["run", "FILE", "--out", "FILE"], 1, "this is a file, not a folder"),
    (["validate"], 2, "FILE"),
    (["validate", "BAD.yaml", "missing.yaml"], 1, "2 of 2 files have problems"),
    (["validate", "LAUGHS.yaml"], 1, "at most 10,000 values"),
    (["compare", "FILE"], 2, "ALT"),
    (["compare", "FILE", "FILE", "--names", "a,"], 2, "names must not be empty"),
    (["compare", "FILE", "FILE", "--names", "a"], 2, "--names gives 1 name for 2 scenarios"),
    (["compare", "FILE", "FILE", "--names", "a,a"], 2, "--names must all differ"),
    (["compare", "FILE", "BAD.yaml"], 1, "staff.iop_counsellors"),
    (["defaults", "-o", "out.txt"], 2, "must end in .yaml"),
    (["defaults", "-o", "nowhere/out.yaml"], 1, "does not exist"),
]

# ------------------------------------------------------------------------- Python API
NAN, INF = math.nan, math.inf
BAD_SEEDS = [(), [], -1, 2 ** 32, 1.5, "1", True, None, (1, -2), (1, 2.0), [[1]], tuple(range(10)), NAN]
BAD_REPS = [0, -1, 10_001, 10 ** 9, True, 2.0, "10", None, NAN]
# (function name, keyword arguments, exception type, words its message holds)
API_CASES: list[tuple[str, dict[str, Any], type, str]] = [
    *[("simulate", {"seed": s}, ValueError, "seed must be a whole number") for s in BAD_SEEDS],
    ("simulate", {"scenario": "default"}, TypeError, "scenario must be an iopsim.Scenario"),
    ("simulate", {"scenario": {"staff": {}}}, TypeError, "scenario must be an iopsim.Scenario"),
    *[("replicate", {"reps": r}, ValueError, "reps must be a whole number from 1 to 10,000") for r in BAD_REPS],
    *[("replicate", {"seed": s}, ValueError, "seed must be a whole number") for s in BAD_SEEDS[:6]],
    *[("replicate", {"workers": w}, ValueError, "workers must be a whole number of at least 1")
      for w in (0, -1, True, 1.5, "4")],
    *[("replicate", {"target_precision": p}, ValueError, "target_precision must lie between 0 and 1")
      for p in (0, 1, -0.1, NAN, INF, "5%")],
    ("replicate", {"target_precision": 0.05, "precision_kpis": ["waits"]}, ValueError, "unknown: ['waits']"),
    ("replicate", {"target_precision": 0.05, "precision_kpis": []}, ValueError, "precision_kpis must name KPIs"),
    ("replicate", {"target_precision": 0.05, "max_reps": 10 ** 6}, ValueError, "max_reps must be a whole number"),
    ("replicate", {"reps": 20, "target_precision": 0.05, "max_reps": 10}, ValueError,
     "max_reps (10) must be at least reps (20)"),
    *[("compare", {"reps": r}, ValueError, "reps must be a whole number from 1 to 10,000") for r in BAD_REPS[:5]],
    *[("compare", {"seed": s}, ValueError, "seed must be a whole number") for s in BAD_SEEDS[:6]],
    ("compare", {"alternatives": (5,)}, TypeError, "an alternative must be an iopsim.Scenario or a dict"),
    ("compare", {"alternatives": ({"staff.nope": 1},)}, Exception, "staff.nope"),
    ("compare", {"alternatives": ({"staff.iop_counsellors": True},)}, Exception, "staff.iop_counsellors"),
    ("compare", {"names": ["only one"]}, ValueError, "one name per scenario"),
    ("compare", {"alternatives": ({},) * 20, "reps": 10_000}, ValueError, "one call runs at most 100,000"),
    ("grid", {"parameters": {}}, ValueError, "at least one parameter"),
    ("grid", {"parameters": {"staff.iop_counsellors": []}}, ValueError, "non-empty list of values"),
    ("grid", {"parameters": {"staff.iop_counsellors": 3}}, ValueError, "non-empty list of values"),
    ("grid", {"parameters": {"staff.iop_counsellors": [1], "x": list(range(10 ** 6))}}, ValueError,
     "one call runs at most 100,000"),
    ("grid", {"parameters": {"staff.nope": [1]}}, Exception, "staff.nope"),
    ("grid", {"parameters": {"staff.iop_counsellors": [NAN]}}, Exception, "staff.iop_counsellors"),
    ("grid", {"parameters": {"staff.iop_counsellors": [1]}, "kpis": ["waits"]}, ValueError, "unknown KPI names"),
    ("grid", {"parameters": {"staff.iop_counsellors": [1]}, "reps": 0}, ValueError, "reps must be"),
    ("sensitivity", {"ranges": {}}, ValueError, "at least one parameter"),
    ("sensitivity", {"ranges": {"staff.iop_counsellors": (1,)}}, ValueError, "a (low, high) pair"),
    ("sensitivity", {"ranges": {"staff.iop_counsellors": "1-3"}}, ValueError, "a (low, high) pair"),
    ("sensitivity", {"ranges": {"staff.iop_counsellors": (1, 3)}, "kpi": "waits"}, ValueError, "unknown KPI"),
    ("sensitivity", {"ranges": {"staff.iop_counsellors": (1, INF)}}, Exception, "staff.iop_counsellors"),
    ("replace", {"staff.nope": 1}, Exception, "staff.nope: got 1; allowed: an existing parameter path"),
    ("replace", {"staff..x": 1}, Exception, "an existing parameter path"),
    ("replace", {"tracks.tracks[99].groups": 1}, Exception, "tracks.tracks[99].groups"),
    ("replace", {"staff.iop_counsellors": 10 ** 100}, Exception, "a whole number from 0 to 100"),
    ("replace", {"staff.iop_counsellors": 2.5}, Exception, "staff.iop_counsellors"),
    ("replace", {"referrals.per_week": NAN}, Exception, "not nan or infinity"),
    ("replace", {"name": None}, Exception, "name: got None"),
    ("replace", {"name": "x" * 10 ** 6}, Exception, "text of 1 to 120 characters"),
    ("from_dict", {"data": [1, 2]}, Exception, "(top level)"),
    ("from_dict", {"data": {1: {}}}, Exception, "a parameter name"),
    ("from_dict", {"data": {"staff": None}}, Exception, "staff: got None"),
]

# ------------------------------------------------------------------------- widget values
# what can be typed into the lab's number boxes (text, never clamped)
WIDGET_TEXTS = ["nan", "inf", "-inf", "1e308", "-1e308", "1e999", "-0.0", "0.5", "", " ", "twelve", "0x10"]

# ------------------------------------------------------------------------- submissions
# file name -> (text, words the problem listed under the team (or the file's name) holds); CARD: the card's id
SUBMISSION_CASES: dict[str, tuple[str, str]] = {
    "no-team.yaml": ("card: CARD\nscenario: {}\n", "it lacks team"),
    "empty-team.yaml": ("team: '  '\ncard: CARD\nscenario: {}\n", "the team name is missing"),
    "number-team.yaml": ("team: 7\ncard: CARD\nscenario: {}\n", "the team name is missing"),
    "start.yaml": ("team: Start\ncard: CARD\nscenario: {}\n", "is the name of the starting program"),
    "other-card.yaml": ("team: Team Other\ncard: drug-wave\nscenario: {}\n", "this plan is for card 'drug-wave'"),
    "extra.yaml": ("team: Team Extra\ncard: CARD\nscenario: {}\nnotes: hi\n", "unknown entries notes"),
    "list.yaml": ("- team\n- card\n", "a mapping of parameter groups"),
    "typo.yaml": ("team: Team Typo\ncard: CARD\nscenario:\n  staff:\n    iop_counselors: 3\n",
                  "staff.iop_counselors"),
    "nan.yaml": ("team: Team NaN\ncard: CARD\nscenario:\n  referrals:\n    per_week: .nan\n",
                 "referrals.per_week: got nan"),
    "bool.yaml": ("team: Team Bool\ncard: CARD\nscenario:\n  staff:\n    iop_counsellors: true\n",
                  "staff.iop_counsellors: got True"),
    "scenario-list.yaml": ("team: Team List\ncard: CARD\nscenario: [1, 2]\n", "a mapping of parameter groups"),
    "tab.yaml": ("team: Team Tab\ncard: CARD\nscenario:\n\tstaff: {}\n", "valid YAML"),
    "laughs.yaml": (billion_laughs(), "at most 10,000 values"),
    "deep.yaml": (deep_nesting(5000), "at most 32 levels of nesting"),
    "binary.yaml": ("\x00\x01team", "cannot be read"),
    "program-list.yaml": ("team: Team Programs\ncard: CARD\nprogram: [" + "virtual-iop, " * 5000 + "]\nscenario: {}\n",
                          "it is the name of a built-in program"),
    "program-unknown.yaml": ("team: Team Elsewhere\ncard: CARD\nprogram: " + "x" * 3_000 + "\nscenario: {}\n",
                             "is not one this card offers"),
}
