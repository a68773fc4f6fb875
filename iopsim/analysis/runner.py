"""Run many replications and hand back each one's KPIs as soon as it finishes.

A *task* is ``(scenario as a dict, seed tuple)``; running it returns the KPI dict of that one
replication and nothing else (never the event log), so memory stays bounded however many
replications an experiment has.  Three backends give identical numbers for the same tasks:

``"sequential"``  in this process, one after another (``workers=1``);
``"processes"``   a pool of local processes (``concurrent.futures.ProcessPoolExecutor``), started
                  by *fork* on Linux (fast: workers inherit the imported modules), *spawn*
                  elsewhere (scripts then need the ``if __name__ == "__main__":`` guard);
``"dask"``        a Dask cluster: pass its scheduler address (``"tcp://host:8786"``), a
                  ``distributed.Client`` or a ``LocalCluster``.  Workers need iopsim installed.

    with Runner(workers=4) as runner:
        for index, kpis in runner.run(tasks):
            ...                                  # in the order they finish, not task order

Dask (an optional extra) is imported only when a Dask scheduler is used.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple

from tqdm.auto import tqdm

from iopsim.analysis.run import simulate
from iopsim.analysis.work_limits import WorkerCrashed
from iopsim.core.scenario import Scenario

BACKENDS = ("sequential", "processes", "dask")
ORPHAN_CHECK_SECONDS = 0.5
AHEAD = 2  # tasks handed out per worker at a time: it never waits, and a long batch is never listed whole


class Task(NamedTuple):
    """One replication to run: the scenario (``Scenario.to_dict()``) and its seed tuple."""

    scenario: dict
    seed: tuple


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity where the OS tells it, else os.cpu_count())."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# ------------------------------------------------------------------------------ the task
_SCENARIOS: dict[str, Any] = {}  # per process: scenario JSON -> validated Scenario (validation costs)


def _scenario_from(data: dict):
    key = json.dumps(data, sort_keys=True)
    scenario = _SCENARIOS.get(key)
    if scenario is None:
        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        scenario = _SCENARIOS[key] = Scenario.from_dict(data)
    return scenario


def run_replication(scenario: dict, seed: tuple) -> dict[str, float]:
    """One replication's KPIs as plain floats (catalogue order); the event log is dropped here."""
    kpis = simulate(_scenario_from(scenario), seed=tuple(seed)).kpis
    return {name: _number(value) for name, value in kpis.items()}


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _call(task: Task) -> dict[str, float]:
    # looked up at call time, so a test can monkeypatch iopsim.analysis.runner.run_replication
    return run_replication(task[0], task[1])


def _worker_start() -> None:
    """Worker start: Ctrl-C is the parent's to handle (it stops the pool and keeps what is saved), and
    a worker whose parent dies (killed, so it could not stop the pool) stops too, within a second,
    rather than live on holding its memory."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()


def _stop_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:  # a process whose parent dies is handed to another one
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)


# ------------------------------------------------------------------------------ progress
def show_progress(progress: Any) -> bool:
    """Whether to draw a bar: ``progress`` if it is True/False, else only on a terminal or in Jupyter."""
    if progress is None:
        return _interactive()
    return bool(progress)


def _interactive() -> bool:
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    try:
        ip = shell.get_ipython()
    except Exception:  # pragma: no cover - odd IPython setups
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class _Bar:
    """A tqdm.auto bar, or nothing."""

    def __init__(self, on: bool, total: int, desc: str) -> None:
        self.bar = None
        if on and total:
            self.bar = tqdm(total=total, desc=desc, unit="rep", dynamic_ncols=True)

    def update(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# -------------------------------------------------------------------------------- runner
def _mp_context():
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


class Runner:
    """Runs replication tasks on one backend; reuse it for several batches, then close it.

    workers: None for every core this process may use (``cpu_count()``), 1 for in-process; scheduler: a Dask
    scheduler address, ``distributed.Client`` or cluster (then workers is ignored).
    A process pool starts on the first batch and is kept for later ones until ``close()``.
    """

    def __init__(self, workers: int | None = None, scheduler: Any = None, backend: str | None = None) -> None:
        if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
            raise ValueError(f"workers must be a whole number of at least 1 (or None for all cores), got {workers!r}")
        if backend is None:
            backend = "dask" if scheduler is not None else ("sequential" if (workers or cpu_count()) == 1
                                                              else "processes")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        if backend == "dask" and scheduler is None:
            raise ValueError("the dask backend needs a scheduler address, Client or cluster")
        self.backend = backend
        self.workers = workers or cpu_count()
        self._scheduler = scheduler
        self._pool = None
        self._pool_size = 0
        self._client = None
        self._own_client = False

    # -- context manager
    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker pool (and a Dask client this runner opened itself)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None and self._own_client:
            self._client.close()
        self._client = None

    def __repr__(self) -> str:
        return f"Runner(backend={self.backend!r}, workers={self.workers})"

    # -- running
    def run(self, tasks: Iterable[Task], *, progress: Any = False, desc: str = "replications",
            total: int | None = None) -> Iterator[tuple[int, dict[str, float]]]:
        """Yield ``(task index, kpis)`` as each task finishes.

        ``tasks`` may be a generator: it is read only as workers become free (a few tasks ahead
        of them), so a long batch never sits in memory; ``total`` (else ``len(tasks)``, if it
        has one) sizes the progress bar.  A task that raises stops the batch: the exception
        comes through (with a note naming the task), pending tasks are cancelled, and what was
        yielded before stays valid.  So does a KeyboardInterrupt, which reaches the caller after
        the pool is stopped.
        """
        if total is None and hasattr(tasks, "__len__"):
            total = len(tasks)
        if total == 0:
            return
        work = ((i, Task(dict(t[0]), tuple(t[1]))) for i, t in enumerate(tasks))
        bar = _Bar(show_progress(progress), total or 0, desc)
        try:
            if self.backend == "sequential" or (self.backend == "processes" and total == 1 and self._pool is None):
                yield from self._sequential(work, bar)
            elif self.backend == "processes":
                yield from self._processes(work, bar, total)
            else:
                yield from self._dask(work, bar)
        finally:
            bar.close()

    def _sequential(self, work, bar):
        for i, task in work:
            try:
                kpis = _call(task)
            except Exception as exc:
                _note(exc, task)
                raise
            bar.update()
            yield i, kpis

    def _processes(self, work, bar, total):
        size = min(self.workers, total or self.workers)
        if self._pool is None or self._pool_size < size:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            self._pool = ProcessPoolExecutor(max_workers=size, mp_context=_mp_context(), initializer=_worker_start)
            self._pool_size = size
        pool = self._pool
        running: dict[Any, tuple[int, Task]] = {}

        def refill() -> None:  # keep every worker busy with a task or two waiting, no more
            for i, task in itertools.islice(work, max(0, AHEAD * self._pool_size - len(running))):
                running[pool.submit(_call, task)] = (i, task)

        try:
            refill()
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: running[f][0]):
                    i, task = running.pop(future)
                    try:
                        kpis = future.result()
                    except BrokenProcessPool as exc:
                        raise WorkerCrashed(
                            "a worker process stopped before finishing its replication (it was killed, or the "
                            "computer ran out of memory); replications already finished are kept") from exc
                    except Exception as exc:
                        _note(exc, task)
                        raise
                    bar.update()
                    yield i, kpis
                refill()
        except BaseException:
            for future in running:
                future.cancel()
            broken = self._pool
            self._pool = None
            if broken is not None:
                broken.shutdown(wait=True, cancel_futures=True)
            raise

    def _dask(self, work, bar):
        from distributed import Client, as_completed  # optional ([dask] extra): loaded only for a Dask run

        if self._client is None:
            if isinstance(self._scheduler, Client):
                self._client, self._own_client = self._scheduler, False
            else:
                self._client, self._own_client = Client(self._scheduler), True
        client = self._client
        ahead = AHEAD * max(1, sum(client.nthreads().values()))
        running: dict[str, tuple[int, Task, Any]] = {}

        def submit(batch) -> list[Any]:
            futures = []
            for i, task in batch:
                future = client.submit(run_replication, task.scenario, task.seed, pure=False)
                running[future.key] = (i, task, future)
                futures.append(future)
            return futures

        finished = as_completed(submit(itertools.islice(work, ahead)))
        try:
            for future in finished:
                i, task, _ = running.pop(future.key)
                try:
                    kpis = future.result()
                except Exception as exc:
                    _note(exc, task)
                    raise
                bar.update()
                yield i, kpis
                for more in submit(itertools.islice(work, 1)):
                    finished.add(more)
        except BaseException:
            try:
                client.cancel([future for _, _, future in running.values()])
            except Exception:  # pragma: no cover - the cluster may be gone
                pass
            raise


def _note(exc: BaseException, task: Task) -> None:
    name = task.scenario.get("name", "?") if isinstance(task.scenario, dict) else "?"
    try:
        exc.add_note(f"while running scenario {name!r} with seed {tuple(task.seed)}")
    except AttributeError:  # pragma: no cover - Python < 3.11
        pass


def run_tasks(tasks: Iterable[Task], *, workers: int | None = None, scheduler: Any = None,
              progress: Any = None, desc: str = "replications") -> Iterator[tuple[int, dict[str, float]]]:
    """Run tasks once on a fresh Runner: yields ``(task index, kpis)`` as each finishes."""
    with Runner(workers=workers, scheduler=scheduler) as runner:
        yield from runner.run(tasks, progress=progress, desc=desc)
