"""`simulate`: one replication of a scenario, and what it hands back."""

from __future__ import annotations

import gc
from functools import cached_property

import pandas as pd

from iopsim.analysis.kpis import compute
from iopsim.analysis.story import story as told
from iopsim.core.eventlog import COLUMNS, Columns, EventLog
from iopsim.core.program import Program
from iopsim.core.scenario import Scenario
from iopsim.core.vocabulary import EVENT_TYPES


class SimulationRun:
    """The result of one replication: the event log, KPIs and each client's story."""

    def __init__(self, scenario: Scenario, seed, program: Program) -> None:
        self.scenario = scenario
        self.seed = seed
        self.log = program.log
        self.in_system = {k: v for k, v in program.in_system.items() if v}
        self.end = program.end

    @property
    def rows(self) -> list[tuple]:
        """The event log's rows as tuples, in the order they were written (see eventlog.COLUMNS)."""
        return self.log.rows

    @cached_property
    def events(self) -> pd.DataFrame:
        """The event log as a pandas DataFrame, one row per event (see eventlog.COLUMNS)."""
        return events_frame(self.log)

    @cached_property
    def kpis(self) -> dict[str, float]:
        """Every KPI named in the catalogue (iopsim.analysis.catalogue), for the reporting window."""
        return compute(Columns.from_log(self.log), self.scenario)

    def story(self, client_id: int) -> str:
        """A plain-language account of one client's journey ("Day 3: referred by ...")."""
        return told(self.events, int(client_id))


def events_frame(log: EventLog, run: int = 0) -> pd.DataFrame:
    """The log as a DataFrame sorted by time (ties keep the order things happened in)."""
    frame = pd.DataFrame(dict(zip(COLUMNS, log.columns()))).astype(
        {"client": "int64", "episode": "int64", "time": "float64", "value": "float64"})
    frame = frame.sort_values("time", kind="stable", ignore_index=True)
    frame.insert(4, "event_type", frame["event"].map(EVENT_TYPES))
    for col in ("event", "event_type", "stage", "resource", "detail"):
        frame[col] = frame[col].astype("category")
    frame["run"] = run
    return frame


def simulate(scenario: Scenario | None = None, *, seed=0) -> SimulationRun:
    """Simulate one replication of `scenario` (the built-in default if None)."""
    scenario = Scenario() if scenario is None else scenario
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be an iopsim.Scenario, got {type(scenario).__name__}")
    program = Program(scenario, seed).run()
    result = SimulationRun(scenario, seed, program)
    # the run's world is a cycle of SimPy objects (processes, timers and the clinic refer to each
    # other) that only the garbage collector frees: collected now, from the young generations
    # (about a millisecond), dead worlds no longer pile up until a full collection (80 MB more at
    # the peak over twelve five-year runs)
    del program
    gc.collect(1)
    return result
