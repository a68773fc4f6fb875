"""`simulate`: one replication of a scenario, and what it hands back."""

from __future__ import annotations

from functools import cached_property

from iopsim.core.program import Program
from iopsim.core.scenario import Scenario


class SimulationRun:
    """The result of one replication: the event log, KPIs and each client's story."""

    def __init__(self, scenario: Scenario, seed, program: Program) -> None:
        self.scenario = scenario
        self.seed = seed
        self.rows = program.log.rows
        self.in_system = {k: v for k, v in program.in_system.items() if v}
        self.end = program.end

    @cached_property
    def events(self):
        """The event log as a pandas DataFrame, one row per event (see eventlog.COLUMNS)."""
        from iopsim.core.eventlog import EventLog

        log = EventLog()
        log.rows = self.rows
        return log.to_frame()

    @cached_property
    def kpis(self) -> dict[str, float]:
        """Every KPI named in kpis.CATALOGUE, for the reporting window."""
        from iopsim.core.eventlog import Columns
        from iopsim.analysis.kpis import compute

        return compute(Columns.from_rows(self.rows), self.scenario)

    def story(self, client_id: int) -> str:
        """A plain-language account of one client's journey ("Day 3: referred by ...")."""
        from iopsim.analysis.story import story

        return story(self.events, int(client_id))


def simulate(scenario: Scenario | None = None, *, seed=0) -> SimulationRun:
    """Simulate one replication of `scenario` (the built-in default if None)."""
    scenario = Scenario() if scenario is None else scenario
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be an iopsim.Scenario, got {type(scenario).__name__}")
    return SimulationRun(scenario, seed, Program(scenario, seed).run())
