"""replicate: seeds, saved and resumable replications, precision targets; the warm-up curve."""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import iopsim
from iopsim.analysis import runner as runner_module
from iopsim.analysis.comparison import grid
from iopsim.analysis.experiment import Experiment, replicate
from iopsim.analysis.catalogue import NAMES
from iopsim.core.program import Program
from iopsim.core.scenario import Scenario
from iopsim.analysis.stats import SUMMARY_COLUMNS
from iopsim.analysis.warmup import settled_from, suggested_warm_up, warmup_curve, welch_moving_average

SHORT = Scenario().replace(**{"run.horizon_days": 90, "run.warm_up_days": 14})


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.index.equals(b.index) and list(a.columns) == list(b.columns) and a.equals(b)


@pytest.fixture
def counted(monkeypatch):
    """Count the replications actually computed (in this process: use workers=1)."""
    calls = []
    real = runner_module.run_replication

    def counting(scenario, seed):
        calls.append(tuple(seed))
        return real(scenario, seed)

    monkeypatch.setattr(runner_module, "run_replication", counting)
    return calls


def test_replicate_shape_and_seeds():
    exp = replicate(SHORT, reps=4, seed=7, workers=2, progress=False)
    assert isinstance(exp, Experiment) and exp.reps == 4 and exp.seed == 7 and exp.scenario is SHORT
    assert exp.precision is None
    assert list(exp.per_rep.index) == [0, 1, 2, 3] and exp.per_rep.index.name == "rep"
    assert [c for c in exp.per_rep.columns if c in NAMES] == [n for n in NAMES if n in exp.per_rep.columns]
    assert list(exp.per_rep.columns[:len(NAMES)]) == list(NAMES)
    assert list(exp.summary.columns) == list(SUMMARY_COLUMNS)
    assert list(exp.summary.index) == list(exp.per_rep.columns)
    # replication i is simulate(scenario, seed=(seed, i))
    direct = iopsim.simulate(SHORT, seed=(7, 2)).kpis
    row = exp.per_rep.loc[2]
    assert all(row[k] == pytest.approx(float(v), nan_ok=True, rel=0, abs=0) for k, v in direct.items())
    assert frames_equal(replicate(SHORT, reps=4, seed=7, workers=1, progress=False).per_rep, exp.per_rep)


def test_out_folder_holds_scenario_record_and_one_file_per_replication(tmp_path):
    out = tmp_path / "exp"
    exp = replicate(SHORT, reps=3, seed=5, workers=1, out=out, progress=False)
    assert Scenario.from_file(out / "scenario.yaml") == SHORT
    record = json.loads((out / "experiment.json").read_text())
    assert record["seed"] == 5 and record["iopsim_version"] == iopsim.__version__ and record["created"]
    files = sorted(p.name for p in (out / "replications").iterdir())
    assert files == ["rep-00000.csv", "rep-00001.csv", "rep-00002.csv"]
    one = pd.read_csv(out / "replications" / "rep-00001.csv")
    assert len(one) == 1 and one["rep"].item() == 1 and "admissions_per_year" in one
    loaded = Experiment.load(out)
    assert frames_equal(loaded.per_rep, exp.per_rep)  # exact round trip, NaNs included


def test_interrupted_run_keeps_finished_replications_and_resumes(tmp_path, counted):
    out = tmp_path / "exp"
    reference = replicate(SHORT, reps=6, seed=1, workers=1, progress=False)
    counted.clear()

    def stop_after_two(done, total):
        assert total == 6
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replicate(SHORT, reps=6, seed=1, workers=1, out=out, progress=stop_after_two)
    assert sorted(p.name for p in (out / "replications").glob("rep-*.csv")) == ["rep-00000.csv", "rep-00001.csv"]
    counted.clear()
    resumed = replicate(SHORT, reps=6, seed=1, workers=1, out=out, progress=False)
    assert sorted(counted) == [(1, i) for i in range(2, 6)]  # only the missing ones were computed
    assert frames_equal(resumed.per_rep, reference.per_rep)
    counted.clear()
    again = replicate(SHORT, reps=6, seed=1, workers=1, out=out, progress=False)
    assert counted == [] and frames_equal(again.per_rep, reference.per_rep)


def test_a_task_interrupted_part_way_loses_nothing_written(tmp_path, monkeypatch):
    out = tmp_path / "exp"
    real = runner_module.run_replication
    calls = []

    def interrupted(scenario, seed):
        calls.append(seed)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(scenario, seed)

    monkeypatch.setattr(runner_module, "run_replication", interrupted)
    with pytest.raises(KeyboardInterrupt) as info:
        replicate(SHORT, reps=5, seed=2, workers=1, out=out, progress=False)
    assert any("resume" in note for note in info.value.__notes__)
    assert len(list((out / "replications").glob("rep-*.csv"))) == 3
    assert not list((out / "replications").glob(".*tmp*"))  # no half-written files
    monkeypatch.setattr(runner_module, "run_replication", real)
    resumed = replicate(SHORT, reps=5, seed=2, workers=1, out=out, progress=False)
    assert frames_equal(resumed.per_rep, replicate(SHORT, reps=5, seed=2, workers=1, progress=False).per_rep)


def test_a_folder_of_another_experiment_is_refused(tmp_path):
    out = tmp_path / "exp"
    replicate(SHORT, reps=2, seed=0, workers=1, out=out, progress=False)
    n = SHORT.staff.iop_counsellors
    with pytest.raises(ValueError, match=rf"staff\.iop_counsellors is {n} there but {n + 1} here"):
        replicate(SHORT.replace(**{"staff.iop_counsellors": n + 1}), reps=2, seed=0, workers=1, out=out,
                  progress=False)
    with pytest.raises(ValueError, match="seed 0, not 9"):
        replicate(SHORT, reps=2, seed=9, workers=1, out=out, progress=False)
    # more replications of the same experiment are fine
    assert replicate(SHORT, reps=3, seed=0, workers=1, out=out, progress=False).reps == 3


def test_target_precision_is_reached(tmp_path):
    exp = replicate(SHORT, reps=4, seed=3, workers=2, progress=False, target_precision=0.05,
                    precision_kpis=["census_mean", "admissions_per_year"], max_reps=120, out=tmp_path / "p")
    p = exp.precision
    assert p["reached"] and p["reps"] == exp.reps and 4 < exp.reps <= 120
    for name in ("census_mean", "admissions_per_year"):
        mean, low, high = exp.summary.loc[name, ["mean", "ci_low", "ci_high"]]
        assert p["achieved"][name] == pytest.approx((high - low) / 2 / abs(mean))
        assert p["achieved"][name] <= 0.05
    assert json.loads((tmp_path / "p" / "experiment.json").read_text())["precision"]["reps"] == exp.reps


def test_target_precision_stops_at_max_reps():
    with pytest.warns(UserWarning, match="not reached"):
        exp = replicate(SHORT, reps=3, seed=3, workers=1, progress=False, target_precision=0.001,
                        precision_kpis=["wait_referral_to_assessment_median_days"], max_reps=7)
    assert exp.reps == 7 and exp.precision["reached"] is False and exp.precision["reps"] == 7
    with pytest.raises(ValueError, match="nonsense"):
        replicate(SHORT, reps=3, target_precision=0.05, precision_kpis=["nonsense"])
    with pytest.raises(ValueError, match="max_reps"):
        replicate(SHORT, reps=10, target_precision=0.05, max_reps=5)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="reps"):
        replicate(SHORT, reps=0)
    with pytest.raises(ValueError, match="seed"):
        replicate(SHORT, reps=2, seed=-1)
    with pytest.raises(TypeError):
        replicate({"staff": {}}, reps=2)


def test_import_iopsim_stays_light():
    code = ("import sys, iopsim; heavy = [m for m in ('pandas', 'scipy', 'dask', 'distributed', 'tqdm') "
            "if m in sys.modules]; assert not heavy, heavy; assert callable(iopsim.replicate); "
            "assert iopsim.Comparison.__name__ == 'Comparison'")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert set(iopsim.__all__) >= {"replicate", "compare", "grid", "sensitivity", "warmup_curve", "Experiment",
                                   "Comparison"}


# ------------------------------------------------------------------------------- warm-up
def test_welch_moving_average_and_settling_rule():
    values = np.array([0, 2, 4, 6, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10], float)
    moving = welch_moving_average(values, 2)
    assert moving[0] == 0 and moving[1] == pytest.approx(2) and moving[2] == pytest.approx(4)
    assert moving[5] == pytest.approx(np.mean(values[3:8]))
    assert np.isnan(moving[-2:]).all() and not np.isnan(moving[:-2]).any()
    first = settled_from(moving, values)
    assert first == 6  # bin 5 averages 6..10 to 8.8; from bin 6 (9.6) on it stays within 0.5 of 10
    never = np.array([0, 5, 0, 5, 0, 5, 0, 5], float)
    assert settled_from(welch_moving_average(never, 1), never * 10) is None


def test_warmup_curve_columns_and_suggestion():
    curve = warmup_curve(SHORT, reps=2, seed=0, days=140, bin_days=7, window=2)
    assert len(curve) == 20
    for column in ("bin", "start_day", "end_day", "census", "waitlist", "census_ma", "waitlist_ma",
                   "census_settled", "waitlist_settled", "settled"):
        assert column in curve
    assert curve["census"].iloc[0] < curve["census"].iloc[-5:].mean()  # starts empty, fills
    assert (curve[["census", "waitlist"]] >= 0).all().all()
    settled = curve["settled"].to_numpy()
    assert (np.diff(settled.astype(int)) >= 0).all()  # once settled, stays settled
    suggestion = suggested_warm_up(curve)
    if settled.any():
        assert suggestion == curve.loc[settled.argmax(), "start_day"]
    else:
        assert math.isnan(suggestion)
    assert curve.attrs["warm_up_days"] == 14


@pytest.mark.parametrize("reps", [0, 10_001, 10 ** 9, True, 2.0])
def test_replications_per_call_are_bounded_before_any_work(reps):
    with pytest.raises(ValueError, match=r"reps must be a whole number from 1 to 10,000 \(the most one call runs\)"):
        replicate(Scenario(), reps=reps, workers=1, progress=False)


def test_a_grid_too_large_is_refused_before_its_scenarios_are_built():
    values = list(range(1, 101))
    with pytest.raises(ValueError, match="10,000 scenarios x 20 replications is 200,000 replications; one call runs "
                                         "at most 100,000"):
        grid(Scenario(), {"staff.iop_counsellors": values, "intake.assessors": values[:50] * 2}, reps=20)



def test_an_edited_replication_file_is_run_again_not_trusted(tmp_path, counted):
    out = tmp_path / "exp"
    reference = replicate(SHORT, reps=3, seed=4, workers=1, out=out, progress=False)
    path = out / "replications" / "rep-00001.csv"
    header, values = path.read_text().splitlines()
    kpis = values.split(",")
    kpis[2] = "12345.0"  # a number changed by hand
    path.write_text(header + "\n" + ",".join(kpis) + "\n")
    counted.clear()
    with pytest.warns(UserWarning, match="rep-00001.csv is unreadable .its checksum does not match"):
        again = replicate(SHORT, reps=3, seed=4, workers=1, out=out, progress=False)
    assert counted == [(4, 1)] and frames_equal(again.per_rep, reference.per_rep)


def test_a_finished_run_leaves_no_world_behind_for_the_garbage_collector():
    """A run's world (SimPy processes, timers, the clinic) is a cycle only the garbage collector
    frees; simulate collects it at once, so replications in a row do not pile up dead worlds."""
    gc.collect()  # worlds other tests left behind
    runs = [iopsim.simulate(SHORT, seed=seed) for seed in range(3)]
    assert all(len(r.log) > 100 for r in runs)  # the log is kept: it belongs to the result
    assert not [o for o in gc.get_objects() if isinstance(o, Program)]
