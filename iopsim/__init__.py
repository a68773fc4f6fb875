"""iopsim: simulate client flow through an Intensive Outpatient Program (IOP).

    import iopsim
    run = iopsim.simulate(iopsim.Scenario(), seed=1)
    run.kpis, run.events, run.story(client_id)
"""

import importlib

from iopsim.core.errors import ScenarioError
from iopsim.analysis.run import SimulationRun, simulate
from iopsim.core.scenario import Scenario

__all__ = ["Scenario", "ScenarioError", "SimulationRun", "simulate",
           "replicate", "compare", "grid", "sensitivity", "warmup_curve", "suggested_warm_up", "Experiment",
           "Comparison"]
__version__ = "0.1.0"

# experiments load pandas/scipy, so they are imported on first use, keeping `import iopsim` light
_LAZY = {"replicate": "analysis.experiment", "Experiment": "analysis.experiment", "compare": "analysis.comparison",
         "grid": "analysis.comparison", "sensitivity": "analysis.comparison", "Comparison": "analysis.comparison",
         "warmup_curve": "analysis.warmup", "suggested_warm_up": "analysis.warmup"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
