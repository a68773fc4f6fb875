"""iopsim: simulate client flow through an Intensive Outpatient Program (IOP).

    import iopsim
    run = iopsim.simulate(iopsim.Scenario(), seed=1)
    run.kpis, run.events, run.story(client_id)
"""

import importlib

from iopsim.core.errors import ScenarioError
from iopsim.core.scenario import Scenario

__all__ = ["Scenario", "ScenarioError", "SimulationRun", "simulate",
           "replicate", "compare", "grid", "sensitivity", "warmup_curve", "suggested_warm_up", "what_limits",
           "Experiment", "Comparison", "fit"]
__version__ = "0.1.0"

# runs and experiments load pandas and scipy, so they are imported on first use: `import iopsim`
# stays quick for the command line and for a notebook that only builds a scenario
_LAZY = {"simulate": "analysis.run", "SimulationRun": "analysis.run",
         "replicate": "analysis.experiment", "Experiment": "analysis.experiment", "compare": "analysis.comparison",
         "grid": "analysis.comparison", "sensitivity": "analysis.comparison", "Comparison": "analysis.comparison",
         "warmup_curve": "analysis.warmup", "suggested_warm_up": "analysis.warmup", "what_limits": "analysis.binding",
         "fit": "fitting.fit"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
