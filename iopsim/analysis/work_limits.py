"""What one call may ask for, and how a call stops short through no fault of its caller.

A stated maximum of replications, checked before any work starts: a typing slip
(``--reps 1000000000``) must not fill the memory or run for a year and end in an "unexpected
error"; it gets a message saying the limit instead.  WorkerCrashed is the one failure of the
machinery rather than of the input.  Light on purpose: the command line uses both before
pandas is loaded.
"""

from __future__ import annotations

from typing import Any

from iopsim.core.formatting import show_value

MAX_REPS = 10_000  # replications of one scenario in one call: about a day of one core's work
MAX_TASKS = 100_000  # replications in one call, all scenarios of a comparison or grid together


def check_reps(value: Any, name: str) -> None:
    """A count of replications: a whole number from 1 to MAX_REPS, else ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPS:
        raise ValueError(f"{name} must be a whole number from 1 to {MAX_REPS:,} (the most one call runs), "
                         f"got {show_value(value, exact=True)}")


def check_tasks(scenarios: int, reps: int) -> None:
    """At most MAX_TASKS replications in one call, all scenarios together; ValueError beyond."""
    if scenarios * reps > MAX_TASKS:
        raise ValueError(f"{scenarios:,} scenarios x {reps:,} replications is {scenarios * reps:,} replications; "
                         f"one call runs at most {MAX_TASKS:,}: use fewer values or fewer replications")


class WorkerCrashed(RuntimeError):
    """A worker process died (killed, out of memory) before finishing its replication."""
