"""The iopsim command, run in-process through ``main([...])`` and once as a real process.

Runs are tiny (two replications of 60 days after a 7-day warm-up, one worker) so the whole
file takes seconds.  Every error must be one message on stderr with exit status 2 for a mistake
in the command, 1 for invalid input, 130 for Ctrl-C, and never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import iopsim
from iopsim.analysis import runner as runner_module
from iopsim.cli import main
from iopsim.analysis.catalogue import label
from iopsim.core.scenario import Scenario

TINY = {"run.horizon_days": 60, "run.warm_up_days": 7}
COUNSELLORS = Scenario().staff.iop_counsellors  # the default program's; "More staff" has one more
FAST = ["--reps", "2", "--workers", "1", "--no-progress"]


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.yaml"
    Scenario(name="Tiny program").replace(**TINY).to_file(path)
    return path


@pytest.fixture
def more_staff(tmp_path) -> Path:
    path = tmp_path / "more_staff.yaml"
    Scenario(name="More staff").replace(**TINY, **{"staff.iop_counsellors": COUNSELLORS + 1}).to_file(path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ------------------------------------------------------------------------------------ help
@pytest.mark.parametrize("command", [[], ["defaults"], ["validate"], ["run"], ["compare"]])
def test_help_has_examples(capsys, command):
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "usage: iopsim" in out and "examples:" in out


def test_version_and_no_command(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and iopsim.__version__ in out
    code, _, err = run(capsys)
    assert code == 2 and "defaults" in err and "compare" in err


def test_unknown_command_is_a_usage_error(capsys):
    code, _, err = run(capsys, "simulate", "x.yaml")
    assert code == 2 and "invalid choice: 'simulate'" in err


# -------------------------------------------------------------------------------- defaults
def test_defaults_to_screen_is_the_default_scenario(capsys):
    code, out, _ = run(capsys, "defaults")
    assert code == 0
    assert out.startswith("# iopsim scenario")
    assert Scenario.from_dict(yaml.safe_load(out)) == Scenario()


def test_defaults_to_file_never_overwrites_without_force(capsys, tmp_path):
    path = tmp_path / "mine.yaml"
    code, _, err = run(capsys, "defaults", "-o", path)
    assert code == 0 and Scenario.from_file(path) == Scenario() and "iopsim validate" in err
    path.write_text("name: edited\n")
    code, _, err = run(capsys, "defaults", "-o", path)
    assert code == 1 and "already exists" in err and "--force" in err
    assert path.read_text() == "name: edited\n"
    assert run(capsys, "defaults", "-o", path, "--force")[0] == 0
    assert Scenario.from_file(path) == Scenario()
    code, _, err = run(capsys, "defaults", "-o", tmp_path / "mine.txt")
    assert code == 2 and ".yaml" in err


# -------------------------------------------------------------------------------- validate
def test_validate_ok(capsys, tiny):
    code, out, err = run(capsys, "validate", tiny)
    assert code == 0 and out == f"{tiny}: OK\n" and err == ""


def test_validate_lists_every_problem_with_its_field(capsys, tmp_path, tiny):
    bad = tmp_path / "bad.yaml"
    bad.write_text("staff:\n  iop_counsellors: -1\n  councellors: 3\nrun:\n  horizon_days: 0\n")
    code, out, err = run(capsys, "validate", tiny, bad)
    assert code == 1
    assert f"{tiny}: OK" in out
    assert f"{bad}: Scenario has 3 problems" in err
    assert "staff.iop_counsellors: got -1; allowed: a whole number from 0 to 100" in err
    assert "staff.councellors" in err and "run.horizon_days" in err
    assert "1 of 2 files have problems" in err


def test_validate_malformed_yaml_and_missing_file(capsys, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("staff:\n\tiop_counsellors: 3\n")
    code, _, err = run(capsys, "validate", broken, tmp_path / "nowhere.yaml")
    assert code == 1
    assert "line 2" in err and "valid YAML" in err
    assert "nowhere.yaml" in err and "nothing was found" in err


def test_validate_needs_a_file(capsys):
    code, _, err = run(capsys, "validate")
    assert code == 2 and "FILE" in err


# ---------------------------------------------------------------------- run: bad arguments
@pytest.mark.parametrize("argv, says", [
    (["--reps", "0"], "--reps: must be a whole number from 1 to 10,000 (the most one run makes), got 0"),
    (["--reps", "1000000000"], "--reps: must be a whole number from 1 to 10,000 (the most one run makes), got 1000000000"),
    (["--seed", str(2 ** 32)], "--seed: must be a whole number from 0 to 4,294,967,295, got 4294967296"),
    (["--precision", "0.1", "--max-reps", "1000000000"], "--max-reps: must be a whole number from 1 to 10,000"),
    (["--reps", "two"], "must be a whole number"),
    (["--seed", "-1"], "--seed"),
    (["--workers", "0"], "--workers"),
    (["--precision", "0"], "--precision"),
    (["--precision", "0.05", "--kpis", "seat_utilization"], "did you mean 'seat_utilisation'"),
    (["--kpis", "seat_utilisation"], "give --precision too"),
    (["--precision", "0.1", "--reps", "20", "--max-reps", "10"], "--max-reps"),
    (["--frobnicate"], "unrecognized arguments"),
])
def test_run_usage_errors(capsys, tiny, argv, says):
    code, out, err = run(capsys, "run", tiny, *argv)
    assert code == 2
    assert says in err and out == ""


def test_run_invalid_scenario_files(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("referrals:\n  per_week: lots\n")
    code, _, err = run(capsys, "run", bad, *FAST)
    assert code == 1 and "referrals.per_week" in err
    code, _, err = run(capsys, "run", tmp_path / "missing.yaml", *FAST)
    assert code == 1 and "missing.yaml" in err
    code, _, err = run(capsys, "run", tmp_path / "notes.txt", *FAST)
    assert code == 1 and "a file ending in .yaml" in err


def test_run_out_must_be_a_folder(capsys, tmp_path, tiny):
    file = tmp_path / "results"
    file.write_text("not a folder")
    code, _, err = run(capsys, "run", tiny, *FAST, "--out", file)
    assert code == 1 and "not a folder" in err


# ------------------------------------------------------------------------------------- run
def test_run_prints_a_summary_and_writes_nothing_without_out(capsys, tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.iterdir())
    code, out, err = run(capsys, "run", tiny, *FAST, "--seed", "3")
    assert code == 0
    assert "Tiny program: 2 replications, seed 3" in out
    header = next(line for line in out.splitlines() if line.startswith("KPI"))
    assert header.split() == ["KPI", "mean", "95%", "interval", "unit"]
    for heading in ("Access and waiting", "Treatment", "Outcomes", "Staff and cost"):
        assert heading in out.splitlines()
    assert label("seat_utilisation") in out and label("admissions_per_year") in out
    assert "Running 'Tiny program'" in err
    assert set(tmp_path.iterdir()) == before


def test_run_with_out_writes_report_tables_and_resumes(capsys, tiny, tmp_path):
    out_dir = tmp_path / "results"
    code, first, _ = run(capsys, "run", tiny, *FAST, "--seed", "1", "--out", out_dir)
    assert code == 0
    for name in ("report.html", "results.xlsx", "summary.csv", "replications.csv", "scenario.yaml"):
        assert (out_dir / name).is_file(), name
    assert len(list((out_dir / "replications").glob("rep-*.csv"))) == 2
    sheets = pd.read_excel(out_dir / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "replications"] and len(sheets["replications"]) == 2
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "Tiny program" in html and "data:image/png;base64," in html
    assert "Saved in" in first and "report.html" in first
    # the same command again resumes: nothing new to run, the same numbers
    code, again, _ = run(capsys, "run", tiny, *FAST, "--seed", "1", "--out", out_dir)
    assert code == 0
    assert _table(again) == _table(first)


def test_run_refuses_a_folder_holding_another_experiment(capsys, tiny, more_staff, tmp_path):
    out_dir = tmp_path / "results"
    assert run(capsys, "run", tiny, *FAST, "--out", out_dir)[0] == 0
    code, out, err = run(capsys, "run", more_staff, *FAST, "--out", out_dir)
    assert code == 1
    assert str(out_dir) in err or "folder" in err
    assert len(err.strip().splitlines()) <= 3, err


def test_run_ctrl_c_and_unexpected_errors_are_one_message(capsys, tiny, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        exc = KeyboardInterrupt()
        exc.add_note("interrupted after 1 of 2 replications; finished ones are saved in r: run again ...")
        raise exc

    monkeypatch.setattr(iopsim, "replicate", interrupted)
    code, _, err = run(capsys, "run", tiny, *FAST, "--out", tmp_path / "r")
    assert code == 130 and "run the same command again" in err
    assert "stopped (Ctrl-C): interrupted after 1 of 2 replications." in err

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(iopsim, "replicate", broken)
    code, _, err = run(capsys, "run", tiny, *FAST)
    assert code == 1 and "the disk is on fire" in err and "IOPSIM_DEBUG" in err


# --------------------------------------------------------------------------------- compare
def test_compare_prints_verdicts_and_key_differences(capsys, tiny, more_staff, tmp_path):
    out_dir = tmp_path / "comparison"
    code, out, _ = run(capsys, "compare", tiny, more_staff, *FAST, "--out", out_dir)
    assert code == 0
    assert "Verdicts" in out and "More staff" in out
    assert "More staff compared with the baseline" in out
    assert label("wait_assessment_to_start_median_days") in out
    for name in ("report.html", "results.xlsx", "summary.csv", "replications.csv", "differences.csv"):
        assert (out_dir / name).is_file(), name
    sheets = pd.read_excel(out_dir / "results.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "replications", "differences"]
    assert set(sheets["summary"]["scenario"]) == {"Tiny program", "More staff"}
    html = (out_dir / "report.html").read_text(encoding="utf-8")
    assert f"Staff: IOP counsellors {COUNSELLORS} → {COUNSELLORS + 1}" in html  # the change in plain words


def test_compare_names_and_its_errors(capsys, tiny, tmp_path):
    same = tmp_path / "copy.yaml"
    same.write_bytes(tiny.read_bytes())
    code, out, _ = run(capsys, "compare", tiny, same, *FAST)  # same scenario names: file names are used
    assert code == 0 and "copy compared with the baseline" in out
    code, _, err = run(capsys, "compare", tiny, same, *FAST, "--names", "Only one")
    assert code == 2 and "--names gives 1 name for 2 scenarios" in err
    code, _, err = run(capsys, "compare", tiny, *FAST)
    assert code == 2 and "ALT" in err
    code, _, err = run(capsys, "compare", tiny, tmp_path / "missing.yaml", *FAST)
    assert code == 1 and "missing.yaml" in err


# --------------------------------------------------------------------- a real process
def test_console_script_runs_as_a_process(tiny, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("IOPSIM_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", "iopsim.cli", "run", str(tiny), *FAST, "--out",
                           str(tmp_path / "r")], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "95% interval" in done.stdout and (tmp_path / "r" / "report.html").is_file()
    bad = tmp_path / "bad.yaml"
    bad.write_text("staff: [1, 2\n")
    done = subprocess.run([sys.executable, "-m", "iopsim.cli", "validate", str(bad)], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 1 and "bad.yaml" in done.stderr and "Traceback" not in done.stderr


def _table(printed: str) -> list[str]:
    """The printed summary table, without the lines that say where files went."""
    return [line for line in printed.splitlines() if line and not line.startswith("Saved in")]


def test_help_and_import_stay_light():
    code = ("import sys, iopsim, iopsim.cli; heavy = [m for m in ('matplotlib', 'pandas', 'scipy', 'dask', "
            "'openpyxl', 'iopsim.present.plots', 'iopsim.present.report') if m in sys.modules]; print(heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_progress_bar_only_on_a_terminal(capsys, tiny, monkeypatch):
    seen = []

    def record(*args, progress=None, **kwargs):
        seen.append(progress)
        raise KeyboardInterrupt

    monkeypatch.setattr(iopsim, "replicate", record)
    run(capsys, "run", tiny, "--reps", "2")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    run(capsys, "run", tiny, "--reps", "2")
    run(capsys, "run", tiny, "--reps", "2", "--no-progress")
    assert seen == [False, True, False]


def test_run_and_compare_never_share_a_folder(capsys, tiny, more_staff, tmp_path):
    single, pair = tmp_path / "single", tmp_path / "pair"
    assert run(capsys, "run", tiny, *FAST, "--out", single)[0] == 0
    code, _, err = run(capsys, "compare", tiny, more_staff, *FAST, "--out", single)
    assert code == 1 and "holds a single run" in err
    assert run(capsys, "compare", tiny, more_staff, *FAST, "--out", pair)[0] == 0
    code, _, err = run(capsys, "run", tiny, *FAST, "--out", pair)
    assert code == 1 and "holds a comparison" in err
    other = tmp_path / "other.yaml"
    Scenario(name="Other").replace(**TINY).to_file(other)
    code, _, err = run(capsys, "compare", tiny, other, *FAST, "--out", pair)
    assert code == 1 and "holds another comparison (Tiny program, More staff)" in err
    assert run(capsys, "compare", tiny, more_staff, *FAST, "--out", pair)[0] == 0  # the same one resumes


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to inherit the patched task")
def test_a_crashed_worker_is_one_plain_message_saying_what_was_kept(capsys, tiny, tmp_path, monkeypatch):
    real = runner_module.run_replication

    def crashing(scenario, seed):
        if seed[-1] == 2:
            os._exit(1)  # a worker killed mid-replication
        return real(scenario, seed)

    monkeypatch.setattr(runner_module, "run_replication", crashing)
    code, out, err = run(capsys, "run", tiny, "--reps", "3", "--workers", "2", "--no-progress", "--out", tmp_path / "r")
    assert code == 1 and out == ""
    assert "a worker process stopped before finishing its replication (it was killed, or the computer ran out of " \
           "memory); replications already finished are kept: stopped after " in err
    assert f"Finished replications are saved in {tmp_path / 'r'}; run the same command again to continue." in err
    assert "unexpected" not in err and "Traceback" not in err
    saved = sorted(p.name for p in (tmp_path / "r" / "replications").iterdir())
    assert "rep-00002.csv" not in saved
