"""Small files that try to cost memory or time are refused within 2 s and 200 MB, with a clear message.

Each file is read in a child process under resource limits (tests/hostile.py), through every
door a file comes in by: Scenario.from_file (the Python API and the lab's upload), the command
line and the workshop's plan reader.
"""

from __future__ import annotations

import pytest

from hostile import billion_laughs, deep_nesting, huge_list, run_limited
from iopsim.cli import main
from iopsim.core.scenario import Scenario

SECONDS = 2.0
PEAK_BYTES = 200 * 1024 ** 2

CASES = {  # name -> (file name, text, words the message must hold)
    "billion laughs 9^9": ("laughs.yaml", billion_laughs(9, 9), ["line 5", "at most 10,000 values", "alias"]),
    "billion laughs 10^9": ("laughs10.yaml", billion_laughs(9, 10), ["at most 10,000 values"]),
    "50 MB list": ("big.yaml", huge_list(50), ["a file of at most 256 kB"]),
    "50 MB list, JSON": ("big.json", huge_list(50, json_file=True), ["a file of at most 256 kB"]),
    "5,000 levels of nesting": ("deep.yaml", deep_nesting(5000), ["line 2", "at most 32 levels of nesting"]),
    "5,000 levels of nesting, JSON": ("deep.json", deep_nesting(5000, json_file=True),
                                      ["at most 32 levels of nesting"]),
    "an alias inside itself": ("self.yaml", "referrals: &r\n  weekday_weights: [*r]\n",
                               ["line 2", "no alias (*r) inside the group it repeats"]),
    "a 200,000-character value": ("long.yaml", "name: " + "x" * 200_000 + "\n", ["at most 4,000 characters"]),
    "a 5,000-digit number": ("digits.json", '{"staff": {"iop_counsellors": ' + "9" * 5000 + "}}",
                             ["numbers of at most 4,000 digits"]),
    "80,000 values in 240 kB": ("flat.yaml", "flat: [" + ", ".join(["1"] * 80_000) + "]\n",
                                ["at most 10,000 values"]),
}

DOORS = {  # how a file comes in: (imports, call with {path})
    "python": ("from iopsim.core.scenario import Scenario", "Scenario.from_file({path!r})"),
    "command line": ("from iopsim.cli import main",
                     "code = main(['validate', {path!r}]); assert code == 1, code; raise ValueError('exit 1')"),
    "workshop": ("from iopsim.workshop.submissions import read_submission", "read_submission({path!r})"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused_cheaply_with_a_clear_message(tmp_path, case):
    name, text, words = CASES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    imports, call = DOORS["python"]
    result = run_limited(imports, call.format(path=str(path)))
    assert result["outcome"].startswith(f"ScenarioError: {path}: Scenario has 1 problem:"), result["outcome"][:500]
    for word in words:
        assert word in result["outcome"]
    assert len(result["outcome"]) < 1000  # the message quotes the input, shortened
    assert result["seconds"] <= SECONDS, result
    assert result["peak_bytes"] <= PEAK_BYTES, result


@pytest.mark.parametrize("door", ["command line", "workshop"])
@pytest.mark.parametrize("case", ["billion laughs 9^9", "50 MB list", "5,000 levels of nesting"])
def test_every_door_refuses_the_memory_attacks(tmp_path, capfd, door, case):
    name, text, words = CASES[case]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    imports, call = DOORS[door]
    result = run_limited(imports, call.format(path=str(path)))
    if door == "command line":
        assert result["outcome"] == "ValueError: exit 1"
    else:
        assert result["outcome"].startswith(f"SubmissionError: the file {name} cannot be read"), result["outcome"]
        assert words[-1] in result["outcome"]
    assert result["seconds"] <= SECONDS, result
    assert result["peak_bytes"] <= PEAK_BYTES, result


def test_the_command_line_names_the_limit(tmp_path, capsys):
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "at most 10,000 values" in err and "unexpected" not in err


def test_aliases_and_merge_keys_within_the_limits_still_work(tmp_path):
    path = tmp_path / "anchors.yaml"
    path.write_text("tracks:\n  tracks:\n    - &day {name: day, days: [Mon, Wed, Fri], start_hour: 9}\n"
                    "    - <<: *day\n      name: evening\n      start_hour: 18\n", encoding="utf-8")
    tracks = Scenario.from_file(path).tracks.tracks
    assert [(t.name, t.days, t.start_hour) for t in tracks] == [("day", ("Mon", "Wed", "Fri"), 9),
                                                               ("evening", ("Mon", "Wed", "Fri"), 18)]
