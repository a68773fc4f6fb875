"""Runner backends: the same tasks give the same KPIs in-process, in a process pool and on Dask."""

from __future__ import annotations

import itertools
import math
import os

import pytest

from iopsim.analysis import runner as runner_module
from iopsim.analysis.experiment import replicate
from iopsim.analysis.catalogue import NAMES
from iopsim.analysis.runner import Runner, Task, WorkerCrashed, run_tasks, show_progress
from iopsim.core.scenario import Scenario

SHORT = Scenario().replace(**{"run.horizon_days": 90, "run.warm_up_days": 14})


def tasks(n: int, seed: int = 3) -> list[Task]:
    data = SHORT.to_dict()
    return [Task(data, (seed, i)) for i in range(n)]


def same(a: dict, b: dict) -> bool:
    """Equal KPI dicts, NaN equal to NaN."""
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k])) for k in a)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def test_sequential_processes_and_dask_give_identical_kpis(cluster):
    from distributed import Client

    work = tasks(5)
    with Runner(workers=1) as r:
        assert r.backend == "sequential"
        sequential = dict(r.run(work))
    with Runner(workers=2) as r:
        assert r.backend == "processes"
        processes = dict(r.run(work))
    with Client(cluster) as client, Runner(scheduler=client) as r:
        assert r.backend == "dask"
        dask = dict(r.run(work))
    by_address = dict(run_tasks(work, scheduler=cluster.scheduler_address, progress=False))
    assert sorted(sequential) == sorted(processes) == sorted(dask) == sorted(by_address) == list(range(5))
    for i in range(5):
        assert same(sequential[i], processes[i]) and same(sequential[i], dask[i]) and same(sequential[i], by_address[i])
    # a different seed really changes something, so the equality above means something
    assert not same(sequential[0], sequential[1])


def test_replicate_on_dask_matches_in_process(cluster):
    local = replicate(SHORT, reps=4, seed=2, workers=1, progress=False)
    remote = replicate(SHORT, reps=4, seed=2, scheduler=cluster.scheduler_address, progress=False)
    assert remote.per_rep.equals(local.per_rep)


def test_a_task_returns_kpis_only_as_floats():
    (index, kpis), = list(run_tasks(tasks(1), workers=1))
    assert index == 0
    assert list(kpis)[:len(NAMES)] == list(NAMES)
    assert all(type(v) is float for v in kpis.values())


def test_runner_reuses_its_pool_across_batches():
    with Runner(workers=2) as r:
        first = dict(r.run(tasks(3)))
        pool = r._pool
        second = dict(r.run(tasks(3)))
        assert r._pool is pool
    assert all(same(first[i], second[i]) for i in first)
    assert r._pool is None


def test_a_failing_task_stops_the_batch_and_names_itself(monkeypatch):
    real = runner_module.run_replication

    def failing(scenario, seed):
        if seed[-1] == 2:
            raise RuntimeError("model bug")
        return real(scenario, seed)

    monkeypatch.setattr(runner_module, "run_replication", failing)
    got = []
    with pytest.raises(RuntimeError, match="model bug") as info:
        for i, kpis in run_tasks(tasks(4), workers=1):
            got.append(i)
    assert got == [0, 1]
    assert any("seed (3, 2)" in note for note in getattr(info.value, "__notes__", []))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to inherit the patched task")
def test_a_crashed_worker_is_reported_and_finished_results_stay(monkeypatch):
    real = runner_module.run_replication

    def crashing(scenario, seed):
        if seed[-1] == 3:
            os._exit(1)  # a worker killed mid-replication
        return real(scenario, seed)

    monkeypatch.setattr(runner_module, "run_replication", crashing)
    got = {}
    with pytest.raises(WorkerCrashed):
        for i, kpis in run_tasks(tasks(4), workers=2):
            got[i] = kpis
    assert 3 not in got
    monkeypatch.setattr(runner_module, "run_replication", real)
    again = dict(run_tasks(tasks(4), workers=1))
    assert all(same(got[i], again[i]) for i in got)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="workers"):
        Runner(workers=0)
    with pytest.raises(ValueError, match="scheduler"):
        Runner(backend="dask")
    with pytest.raises(ValueError, match="backend"):
        Runner(backend="threads")


def test_progress_bar_is_off_unless_asked_for_or_interactive():
    assert show_progress(False) is False
    assert show_progress(True) is True
    assert show_progress(None) is False  # pytest captures stderr: not a terminal, not Jupyter


@pytest.mark.parametrize("workers", [1, 2])
def test_tasks_are_read_only_as_workers_need_them(workers):
    """An endless generator of tasks still gives results: the runner never lists a batch whole."""
    pulled = []

    def endless():
        data = SHORT.to_dict()
        for i in itertools.count():
            pulled.append(i)
            yield Task(data, (3, i))

    with Runner(workers=workers) as r:
        got = list(itertools.islice(r.run(endless()), 3))
    assert len(got) == 3 and len(pulled) <= 3 + runner_module.AHEAD * workers
