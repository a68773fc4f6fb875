"""compare, grid and sensitivity: paired scenarios on the same seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from iopsim.analysis import runner as runner_module
from iopsim.analysis.comparison import Comparison, compare, grid, sensitivity, unique_names
from iopsim.core.scenario import Scenario
from iopsim.analysis.stats import DIFFERENCE_COLUMNS

SHORT = Scenario().replace(**{"run.horizon_days": 90, "run.warm_up_days": 14})
WAIT = "wait_referral_to_assessment_median_days"


def test_a_scenario_compared_with_itself_differs_by_exactly_zero():
    cmp = compare(SHORT, SHORT, reps=4, seed=1, workers=2, progress=False)
    assert isinstance(cmp, Comparison)
    assert list(cmp.experiments) == [SHORT.name, f"{SHORT.name} (2)"]
    assert cmp.baseline == SHORT.name and cmp.alternatives == [f"{SHORT.name} (2)"]
    diff = cmp.differences
    assert list(diff.columns) == list(DIFFERENCE_COLUMNS)
    assert diff.index.names == ["alternative", "kpi"]
    measured = diff[diff["n"] > 0]
    assert (measured["mean_diff"] == 0).all() and (measured["ci_low"] == 0).all() and (measured["ci_high"] == 0).all()
    assert (diff["direction"] == "no clear change").all()
    sentence = cmp.verdicts[f"{SHORT.name} (2)"]
    assert "no clear change" in sentence and "better" not in sentence and "worse" not in sentence


def test_more_assessor_hours_shorten_waits_and_the_verdict_says_so():
    more = SHORT.replace(name="3x assessor hours", **{"intake.assessor_hours_per_week": 45})
    cmp = compare(SHORT, more, reps=8, seed=0, workers=2, progress=False)
    row = cmp.differences.loc[("3x assessor hours", WAIT)]
    assert row["ci_high"] < 0 and row["direction"] == "lower"
    assert row["alternative_mean"] < row["baseline_mean"]
    assert "waits for assessment shorter by" in cmp.verdicts["3x assessor hours"]
    assert "waits for assessment shorter by" in cmp.verdicts["3x assessor hours"].split(";")[0]
    assert "(better)" in cmp.verdicts["3x assessor hours"].split(";")[0]


def test_alternatives_as_changes_and_names():
    cmp = compare(SHORT, {"staff.iop_counsellors": 1}, reps=2, seed=0, workers=1, progress=False,
                  names=["now", "one counsellor"])
    assert list(cmp.experiments) == ["now", "one counsellor"]
    assert cmp.experiments["one counsellor"].scenario.staff.iop_counsellors == 1
    default_named = compare(SHORT, {"staff.iop_counsellors": 1}, reps=2, seed=0, workers=1, progress=False)
    assert list(default_named.experiments)[1] == "staff.iop_counsellors=1"
    with pytest.raises(ValueError, match="one name per scenario"):
        compare(SHORT, SHORT, reps=2, names=["only one"])
    assert unique_names(["a", "b", "a", "a"]) == ["a", "b", "a (2)", "a (3)"]
    assert unique_names(["a", "a", "a (2)"]) == ["a", "a (3)", "a (2)"]  # a name given as such is kept


def test_comparison_out_folder_resumes(tmp_path, monkeypatch):
    calls = []
    real = runner_module.run_replication
    monkeypatch.setattr(runner_module, "run_replication", lambda s, seed: calls.append(seed) or real(s, seed))
    more = SHORT.replace(name="More assessors", **{"intake.assessors": 2})
    first = compare(SHORT, more, reps=3, seed=4, workers=1, progress=False, out=tmp_path / "cmp")
    assert len(calls) == 6
    record = json.loads((tmp_path / "cmp" / "comparison.json").read_text())
    assert record["baseline"] == SHORT.name and len(record["scenarios"]) == 2
    for folder in record["scenarios"].values():
        assert len(list((tmp_path / "cmp" / folder / "replications").glob("rep-*.csv"))) == 3
    calls.clear()
    again = compare(SHORT, more, reps=3, seed=4, workers=1, progress=False, out=tmp_path / "cmp")
    assert calls == []
    assert again.differences.equals(first.differences)


def test_grid_is_one_row_per_combination_and_waits_fall_with_assessor_hours():
    frame = grid(SHORT, {"intake.assessor_hours_per_week": [8, 15, 40], "staff.iop_counsellors": [1, 2]},
                 reps=5, seed=0, workers=2, progress=False, kpis=[WAIT, "admissions_per_year"])
    assert len(frame) == 6
    assert list(frame.columns) == ["intake.assessor_hours_per_week", "staff.iop_counsellors",
                                   f"{WAIT}_mean", f"{WAIT}_ci_low", f"{WAIT}_ci_high",
                                   "admissions_per_year_mean", "admissions_per_year_ci_low",
                                   "admissions_per_year_ci_high", "reps"]
    assert list(frame["staff.iop_counsellors"]) == [1, 2, 1, 2, 1, 2]  # last parameter varies fastest
    assert (frame["reps"] == 5).all()
    assert (frame[f"{WAIT}_ci_low"] <= frame[f"{WAIT}_mean"]).all()
    for counsellors, part in frame.groupby("staff.iop_counsellors"):
        waits = part.sort_values("intake.assessor_hours_per_week")[f"{WAIT}_mean"].to_numpy()
        assert (np.diff(waits) < 0).all(), (counsellors, waits)
    assert frame.attrs["kpis"] == [WAIT, "admissions_per_year"]
    with pytest.raises(ValueError):
        grid(SHORT, {"intake.assessors": []}, reps=2)


def test_sensitivity_is_sorted_by_swing_for_a_tornado_chart():
    frame = sensitivity(SHORT, {"tracks.patience_mean_days": (40, 50), "intake.assessor_hours_per_week": (8, 40),
                                "referrals.per_week": (6, 8)}, kpi=WAIT, reps=4, seed=0, workers=2, progress=False)
    assert list(frame.columns) == ["parameter", "value_low", "value_high", "value_baseline", "kpi_low", "kpi_high",
                                   "baseline", "swing"]
    assert len(frame) == 3
    assert frame["parameter"].iloc[0] == "intake.assessor_hours_per_week"
    assert (np.diff(frame["swing"].to_numpy()) <= 0).all()
    row = frame.iloc[0]
    assert row["kpi_low"] > row["baseline"] > row["kpi_high"]  # fewer hours, longer waits
    assert row["value_baseline"] == SHORT.intake.assessor_hours_per_week
    assert frame.attrs["kpi"] == WAIT and frame.attrs["unit"] == "days"
    with pytest.raises(ValueError):
        sensitivity(SHORT, {"intake.assessors": (1,)}, kpi=WAIT)


def test_a_numpy_seed_is_recorded_as_a_plain_number(tmp_path):
    cmp = compare(SHORT, {"staff.iop_counsellors": 1}, reps=2, seed=np.int64(3), workers=1, progress=False,
                  out=tmp_path / "cmp")
    assert json.loads((tmp_path / "cmp" / "comparison.json").read_text())["seed"] == 3
    plain = compare(SHORT, {"staff.iop_counsellors": 1}, reps=2, seed=3, workers=1, progress=False)
    assert cmp.differences.equals(plain.differences)


@pytest.mark.parametrize("bad", [{"reps": 0}, {"reps": True}, {"seed": ()}, {"seed": -1}, {"seed": 2 ** 32}])
def test_a_refused_comparison_leaves_nothing_behind(tmp_path, bad):
    with pytest.raises(ValueError, match="reps must|seed must"):
        compare(SHORT, SHORT, **{"reps": 2, **bad}, workers=1, progress=False, out=tmp_path / "cmp")
    assert not (tmp_path / "cmp").exists()
