"""The scenario lab: every parameter on a form, runs, comparisons and sweeps, for administrators.

    from iopsim.lab import ScenarioLab
"""

from iopsim.lab.app import ScenarioLab

__all__ = ["ScenarioLab"]
