"""Replications of one scenario: ``replicate`` runs them (in parallel), ``Experiment`` holds them.

    exp = iopsim.replicate(scenario, reps=20, seed=1, out="runs/baseline")
    exp.summary          # mean, sd, 95% CI, n, unit and meaning per KPI
    exp.per_rep          # one row per replication

Replication *i* runs ``simulate(scenario, seed=(seed, i))``, so replication *i* of every
scenario shares its random numbers (common random numbers) and any replication can be rerun
alone.  With ``out`` each finished replication is saved at once as
``out/replications/rep-00007.csv`` (written to a temporary file, then renamed, so a file is
either whole or absent); running again with the same folder reads those back and computes only
the missing ones.  A folder holding another scenario or seed is refused, never mixed in, and
a replication file whose checksum (of the scenario, the seed and its row) no longer matches is
run again rather than trusted.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from iopsim import __version__
from iopsim.analysis import catalogue
from iopsim.analysis.runner import Runner, Task
from iopsim.analysis.stats import relative_half_width, summarise, t_interval
from iopsim.analysis.work_limits import WorkerCrashed, check_reps
from iopsim.core.files import remove_stale, write_atomic
from iopsim.core.paths import flatten
from iopsim.core.scenario import Scenario
from iopsim.core.seeds import seed_tuple

REP_FILE = "rep-{:05d}.csv"
CHECKSUM = "sha256"  # the last column of a replication file
_REP_RE = re.compile(r"^rep-(\d{5,})\.csv$")



# ---------------------------------------------------------------------------- seeds, names
def replication_seed(seed: Any, rep: int) -> tuple[int, ...]:
    """The seed of replication ``rep``: ``(seed, rep)`` (``(*seed, rep)`` for a tuple seed)."""
    return (*seed_tuple(seed), int(rep))


def seed_value(seed: tuple[int, ...]) -> int | list[int]:
    """A seed as written in a record (JSON): the number, or the list of its parts."""
    return seed[0] if len(seed) == 1 else list(seed)


def kpi_columns(results: Sequence[dict]) -> list[str]:
    """KPI names in catalogue order, then any others in the order first seen."""
    seen = dict.fromkeys(k for r in results for k in r)
    return [n for n in catalogue.NAMES if n in seen] + [n for n in seen if n not in set(catalogue.NAMES)]


def per_rep_frame(results: dict[int, dict]) -> pd.DataFrame:
    """Replication results (rep -> KPI dict) as a float DataFrame indexed by ``rep``."""
    reps = sorted(results)
    columns = kpi_columns([results[r] for r in reps])
    data = [[results[r].get(c, math.nan) for c in columns] for r in reps]
    return pd.DataFrame(data, index=pd.Index(reps, name="rep", dtype="int64"), columns=columns, dtype=float)


# ---------------------------------------------------------------------------- experiment
class Experiment:
    """The replications of one scenario and their summary.

    scenario, seed (as given), per_rep (DataFrame indexed by ``rep``, one float column per KPI
    in catalogue order), summary (DataFrame indexed by KPI: mean, sd, ci_low, ci_high, n, unit,
    meaning; 95% t intervals), precision (dict when run to a target precision, else None),
    reps (number of replications), out (the folder, or None).
    """

    def __init__(self, scenario: Scenario, seed: Any, per_rep: pd.DataFrame, precision: dict | None = None,
                 out: str | os.PathLike | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.per_rep = per_rep
        self.precision = precision
        self.out = Path(out) if out is not None else None

    @property
    def reps(self) -> int:
        return len(self.per_rep)

    @property
    def name(self) -> str:
        return self.scenario.name

    @cached_property
    def summary(self) -> pd.DataFrame:
        return summarise(self.per_rep)

    def __repr__(self) -> str:
        extra = f", out={str(self.out)!r}" if self.out else ""
        return f"<Experiment {self.scenario.name!r}: {self.reps} replications, seed {self.seed!r}{extra}>"

    @classmethod
    def load(cls, out: str | os.PathLike) -> "Experiment":
        """The experiment saved in ``out`` (every replication file found there), without running anything."""
        out = Path(out)
        meta = _read_meta(out)
        if meta is None:
            raise ValueError(f"{out} holds no experiment (no experiment.json)")
        scenario = Scenario.from_file(out / "scenario.yaml")
        seed = seed_tuple(meta["seed"])
        store = Store(out, scenario, seed)
        results = store.load(None)
        return cls(scenario, seed_value(seed), per_rep_frame(results), meta.get("precision"), out)


# ------------------------------------------------------------------------------- storage
def _read_meta(out: Path) -> dict | None:
    path = out / "experiment.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable experiment record ({exc}); use another folder") from None


def scenario_differences(a: dict, b: dict) -> list[str]:
    """Parameter paths whose values differ between two scenario dicts, described in words."""
    fa, fb = flatten(a), flatten(b)
    out = []
    for path in sorted(set(fa) | set(fb)):
        if fa.get(path, "(absent)") != fb.get(path, "(absent)"):
            out.append(f"{path} is {fa.get(path, '(absent)')!r} there but {fb.get(path, '(absent)')!r} here")
    return out


class Store:
    """An experiment folder: scenario.yaml, experiment.json and replications/rep-NNNNN.csv."""

    def __init__(self, out: str | os.PathLike, scenario: Scenario, seed: tuple[int, ...]) -> None:
        self.out = Path(out)
        self.scenario = scenario
        self.seed = seed
        self.folder = self.out / "replications"
        identity = json.dumps([scenario.to_dict(), list(seed)], sort_keys=True)
        self._identity = hashlib.sha256(identity.encode("utf-8")).hexdigest()

    def prepare(self) -> None:
        """Create the folder, or check that the experiment already in it is this one."""
        if self.out.exists() and not self.out.is_dir():
            raise ValueError(f"out must be a folder, but {self.out} is a file")
        here = self.scenario.to_dict()
        scenario_file = self.out / "scenario.yaml"
        meta = _read_meta(self.out)
        if scenario_file.exists():
            try:
                there = Scenario.from_file(scenario_file).to_dict()
            except Exception as exc:
                raise ValueError(f"{scenario_file} cannot be read back ({exc}); use another folder") from None
            diffs = scenario_differences(there, here)
            if diffs:
                raise ValueError(f"the folder {self.out} holds an experiment with a different scenario: "
                                 + "; ".join(diffs[:5]) + (f"; and {len(diffs) - 5} more" if len(diffs) > 5 else "")
                                 + ". Use another folder, or delete it to start again.")
        elif meta is not None or (self.folder.exists() and any(self.folder.iterdir())):
            raise ValueError(f"the folder {self.out} holds replications but no scenario.yaml, so they cannot be "
                             "checked against this scenario; use another folder")
        if meta is not None:
            try:
                seed_there = seed_tuple(meta.get("seed"))
            except ValueError:
                raise ValueError(f"{self.out / 'experiment.json'} has no valid seed; use another folder") from None
            if seed_there != self.seed:
                raise ValueError(f"the folder {self.out} holds an experiment with seed {seed_value(seed_there)!r}, "
                                 f"not {seed_value(self.seed)!r}; replications of different seeds must not be "
                                 "mixed. Use another folder, or the same seed.")
            if meta.get("iopsim_version") != __version__:
                warnings.warn(f"{self.out} was written by iopsim {meta.get('iopsim_version')}, this is {__version__}; "
                              "saved replications are reused as they are", stacklevel=4)
        self.folder.mkdir(parents=True, exist_ok=True)
        if not scenario_file.exists():
            self.scenario.to_file(scenario_file)
        if meta is None:
            record = {"seed": seed_value(self.seed), "iopsim_version": __version__,
                      "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "scenario": "scenario.yaml", "scenario_name": self.scenario.name,
                      "replication_seed": "replication i runs simulate(scenario, seed=(seed, i))"}
            write_atomic(self.out / "experiment.json", json.dumps(record, indent=2) + "\n")
        remove_stale(self.folder, "rep-*.csv")

    def path(self, rep: int) -> Path:
        return self.folder / REP_FILE.format(rep)

    def save(self, rep: int, kpis: dict[str, float]) -> None:
        """Write one replication's KPIs (header row, value row; floats as exact repr) and their checksum."""
        header = ["rep", *kpis]
        values = [str(rep), *(repr(float(v)) for v in kpis.values())]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*header, CHECKSUM])
        writer.writerow([*values, self._checksum(header, values)])
        write_atomic(self.path(rep), buffer.getvalue())

    def _checksum(self, header: list[str], values: list[str]) -> str:
        """sha256 of this experiment (scenario and seed) and the row: an edited or moved file no longer matches."""
        text = "\n".join([self._identity, ",".join(header), ",".join(values)])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def load(self, reps: Sequence[int] | None) -> dict[int, dict[str, float]]:
        """Saved replications among ``reps`` (all found when None); unreadable files are skipped."""
        found: dict[int, dict[str, float]] = {}
        if not self.folder.is_dir():
            return found
        wanted = None if reps is None else set(reps)
        for entry in self.folder.iterdir():
            match = _REP_RE.match(entry.name)
            if not match:
                continue
            rep = int(match.group(1))
            if wanted is not None and rep not in wanted:
                continue
            kpis = self._read(entry, rep)
            if kpis is not None:
                found[rep] = kpis
        return found

    def _read(self, path: Path, rep: int) -> dict[str, float] | None:
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            (*header, check), (*values, digest) = rows[0], rows[1]
            if header[0] != "rep" or int(values[0]) != rep or len(header) != len(values) or check != CHECKSUM:
                raise ValueError("unexpected layout")
            if digest != self._checksum(header, values):
                raise ValueError("its checksum does not match: it was changed after it was written")
            return {name: float(v) for name, v in zip(header[1:], values[1:])}
        except (OSError, ValueError, IndexError) as exc:
            warnings.warn(f"{path} is unreadable ({exc}); replication {rep} will be run again", stacklevel=4)
            return None


# --------------------------------------------------------------------------- running
class _Progress:
    """Calls a user callback ``progress(done, total)`` after each replication is stored."""

    def __init__(self, callback: Callable[[int, int], Any] | None, done: int, total: int) -> None:
        self.callback, self.done, self.total = callback, done, total

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total)


def run_batches(scenarios: Sequence[Scenario], stores: Sequence[Store | None], seed: tuple[int, ...],
                wanted: Sequence[range], results: list[dict[int, dict]], runner: Runner, progress: Any,
                desc: str = "replications") -> None:
    """Run every missing (scenario, rep) as tasks of one runner; store and collect each as it finishes.

    ``results[j]`` (rep -> KPIs) is filled in place, saved replications are read from the stores
    first, so an interrupt or a crashed worker loses nothing already finished; the exception is
    re-raised with a note saying how many finished and where they are kept.  Tasks are made
    as the runner asks for them, never listed whole.
    """
    for j, store in enumerate(stores):
        if store is not None:
            results[j].update(store.load([r for r in wanted[j] if r not in results[j]]))
    missing = sum(1 for j, reps in enumerate(wanted) for rep in reps if rep not in results[j])
    if not missing:
        return
    dicts = [s.to_dict() for s in scenarios]
    handed_out: dict[int, tuple[int, int]] = {}  # task index -> (scenario, rep), while it runs

    def tasks() -> Iterator[Task]:
        jobs = ((j, rep) for j, reps in enumerate(wanted) for rep in reps if rep not in results[j])
        for i, (j, rep) in enumerate(jobs):
            handed_out[i] = (j, rep)
            yield Task(dicts[j], replication_seed(seed, rep))

    callback = progress if callable(progress) and not isinstance(progress, bool) else None
    total = sum(len(reps) for reps in wanted)
    counter = _Progress(callback, total - missing, total)
    bar = False if callback is not None else progress
    try:
        with contextlib.closing(runner.run(tasks(), progress=bar, desc=desc, total=missing)) as finished:
            for i, kpis in finished:
                j, rep = handed_out.pop(i)
                if stores[j] is not None:
                    stores[j].save(rep, kpis)
                results[j][rep] = kpis
                counter.step()
    except (KeyboardInterrupt, WorkerCrashed) as exc:
        saved = [s.out for s in stores if s is not None]
        note = f"{'interrupted' if isinstance(exc, KeyboardInterrupt) else 'stopped'} after {counter.done} of " \
               f"{total} replications"
        if saved:
            note += f"; finished ones are saved in {', '.join(map(str, saved))}: run again with the same out to resume"
        exc.add_note(note)
        raise


def _precision(per_rep: pd.DataFrame, kpis: Sequence[str], target: float) -> dict[str, float]:
    achieved = {}
    for name in kpis:
        mean, _, low, high, _ = t_interval(per_rep[name].to_numpy(dtype=float)) if name in per_rep else (math.nan,) * 5
        achieved[name] = relative_half_width(mean, low, high)
    return achieved


def _next_reps(n: int, achieved: dict[str, float], target: float, max_reps: int) -> int:
    worst = max((v for v in achieved.values()), key=lambda v: math.inf if math.isnan(v) else v)
    if math.isnan(worst) or math.isinf(worst):
        needed = 2 * n
    else:
        needed = math.ceil(n * (worst / target) ** 2 * 1.1)  # n grows with (half-width ratio)^2
    return min(max_reps, max(n + 2, min(needed, 2 * n)))


def replicate(scenario: Scenario | None = None, *, reps: int = 10, seed: Any = 0, workers: int | None = None,
              scheduler: Any = None, out: str | os.PathLike | None = None, progress: Any = None,
              target_precision: float | None = None, precision_kpis: Sequence[str] | None = None,
              max_reps: int = 200) -> Experiment:
    """Run ``reps`` replications of ``scenario`` (the default if None) and summarise them.

    seed: replication i uses ``simulate(scenario, seed=(seed, i))``.
    workers: None for every core, 1 to run in this process; scheduler: a Dask scheduler address,
    ``distributed.Client`` or cluster to run there instead.
    out: a folder; each replication is saved as it finishes and a rerun resumes (see the module).
    progress: None shows a bar on a terminal or in Jupyter, True/False force it, a callable
    ``progress(done, total)`` is called after each replication is stored (no bar).
    target_precision: e.g. 0.05 to add replications in batches until the 95% CI half-width is
    at most that share of |mean| for every KPI in precision_kpis (default
    ``catalogue.PRECISION``), or max_reps is reached; ``Experiment.precision`` records it.
    Ctrl-C stops the run, keeps what was saved and re-raises KeyboardInterrupt.
    """
    scenario = Scenario() if scenario is None else scenario
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be an iopsim.Scenario, got {type(scenario).__name__}")
    check_reps(reps, "reps")
    seed_t = seed_tuple(seed)
    if target_precision is not None:
        if not (isinstance(target_precision, (int, float)) and 0 < target_precision < 1):
            raise ValueError(f"target_precision must lie between 0 and 1 (e.g. 0.05), got {target_precision!r}")
        check_reps(max_reps, "max_reps")
        if max_reps < reps:
            raise ValueError(f"max_reps ({max_reps}) must be at least reps ({reps})")
        precision_kpis = list(catalogue.PRECISION if precision_kpis is None else
                              [precision_kpis] if isinstance(precision_kpis, str) else precision_kpis)
        unknown = [k for k in precision_kpis if k not in catalogue.BY_NAME]
        if unknown or not precision_kpis:
            raise ValueError(f"precision_kpis must name KPIs of the catalogue; unknown: {unknown}")
    store = None
    if out is not None:
        store = Store(out, scenario, seed_t)
        store.prepare()
    results: list[dict[int, dict]] = [{}]
    precision = None
    with Runner(workers=workers, scheduler=scheduler) as runner:
        n = reps
        while True:
            run_batches([scenario], [store], seed_t, [range(n)], results, runner, progress)
            if target_precision is None:
                break
            per_rep = per_rep_frame({r: results[0][r] for r in range(n)})
            achieved = _precision(per_rep, precision_kpis, target_precision)
            reached = all(v <= target_precision for v in achieved.values())  # NaN never reaches
            if reached or n >= max_reps:
                precision = {"target": float(target_precision), "reached": reached, "reps": n, "max_reps": max_reps,
                             "kpis": list(precision_kpis), "achieved": achieved}
                if not reached:
                    warnings.warn(f"target precision {target_precision:g} not reached after max_reps={max_reps} "
                                  f"replications: {_describe_precision(achieved, target_precision)}", stacklevel=2)
                break
            n = _next_reps(n, achieved, target_precision, max_reps)
    per_rep = per_rep_frame({r: results[0][r] for r in range(n)})
    if store is not None and precision is not None:
        meta = _read_meta(store.out) or {}
        meta["precision"] = {**precision, "achieved": {k: (v if math.isfinite(v) else None)
                                                        for k, v in precision["achieved"].items()}}
        write_atomic(store.out / "experiment.json", json.dumps(meta, indent=2) + "\n")
    return Experiment(scenario, seed, per_rep, precision, out)


def _describe_precision(achieved: dict[str, float], target: float) -> str:
    return ", ".join(f"{k} {v:.1%}" for k, v in achieved.items() if not v <= target)
