"""`iopsim records-template` and `iopsim fit`: the files they write, the report's content, and
clear messages for bad records; the report holds estimates and counts, never a record."""

from __future__ import annotations

import re

import pandas as pd

from iopsim.cli import main
from iopsim.core.scenario import Scenario
from iopsim.fitting.checks import Check, verdict
from iopsim.records.synthetic import PROGRAM_FILE, TEDS_FILE


def test_records_template_writes_the_columns_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "records.csv"
    assert main(["records-template", "-o", str(path)]) == 0
    assert list(pd.read_csv(path).columns)[:3] == ["referral_date", "prior_episodes", "assessment_date"]
    assert main(["records-template", "-o", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_fit_writes_the_scenario_and_a_report_with_checks_and_backtest(tmp_path, capsys):
    out, report = tmp_path / "my_program.yaml", tmp_path / "fit"
    code = main(["fit", str(PROGRAM_FILE), "-o", str(out), "--report", str(report), "--reps", "3",
                 "--backtest", "2024-07-01"])
    assert code == 0, capsys.readouterr().err
    fitted = Scenario.from_file(out)
    assert fitted.referrals.per_week != Scenario().referrals.per_week
    page = (report / "fit_report.html").read_text()
    for words in ("Verdict", "The records beside the fitted model", "Projection against what happened",
                  "What was estimated", "Kept from the base scenario", "referrals.per_week",
                  "median stay, dropped out", "admissions per month"):
        assert words in page
    records = pd.read_csv(PROGRAM_FILE, dtype=str)
    dates = set(records["referral_date"]) | set(records["discharge_date"].dropna())
    assert not dates & set(re.findall(r"\d{4}-\d\d-\d\d", page)) - {"2024-07-01"}  # the cut date only


def test_fit_lists_every_problem_of_a_bad_file_in_full(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["fit", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Records file has 9 problems" in err and "column discharge_reason" in err


def test_the_verdict_names_what_does_not_fit():
    checks = [Check("Waits", "median wait", "days", 30.0, 10.0, 8.0, 12.0),
              Check("Monthly flow", "admissions per month", "clients", 10.0, 11.0, 9.0, 13.0)]
    sentences = verdict(checks)
    assert sentences[0].startswith("1 of 2 figures")
    assert "median wait (30 days) is higher than the model gives (8 to 12 days)" in sentences[1]


def test_a_backtest_needs_a_date_and_dated_records(capsys):
    assert main(["fit", str(PROGRAM_FILE), "--backtest", "soon"]) == 2
    assert "must be a date as YYYY-MM-DD" in capsys.readouterr().err
    assert main(["fit", str(TEDS_FILE), "--reps", "0", "--backtest", "2024-01-01"]) == 1
    assert "no dates, so it cannot be cut" in capsys.readouterr().err
