"""iopsim: simulate client flow through an Intensive Outpatient Program (IOP).

    import iopsim
    run = iopsim.simulate(iopsim.Scenario(), seed=1)
    run.kpis, run.events, run.story(client_id)
"""

from .errors import ScenarioError
from .run import SimulationRun, simulate
from .scenario import Scenario

__all__ = ["Scenario", "ScenarioError", "SimulationRun", "simulate"]
__version__ = "0.1.0"
