"""Lab benchmark: how long a director waits for the lab's answers, on the default program.

    python benchmarks/bench_lab.py [--quick]

A report, not a test: it prints the machine (and its load: the figures mean little on a busy
machine), the figures and each target with PASS or MISS, and exits 0 whatever they are.
--quick cuts the work for a smoke run (the targets then do not apply).

Figures (every core, a fresh process pool per call, its start-up included)
  * Compare: four scenarios (today, referrals +20%, one more IOP counsellor, a second evening
    group) run to verdict precision as the lab's Compare runs them (``compare_to_precision``:
    10 replications, more where a verdict is still unknown, up to 60), with the replications
    each got; and the same four at a fixed 10 replications (``compare``), as before;
  * What limits you: ``what_limits`` at 10 replications (1 + one scenario per constraint);
  * Capacity sweep: IOP counsellors from 3 to 6 at 10 replications (``run_scenarios``).
"""

from __future__ import annotations

import argparse
import os
import time

TARGET_COMPARE_S = 10.0  # four scenarios to verdict precision, on this machine (issue 14)


def clock(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 4 replications, at most 8")
    quick = parser.parse_args().quick
    reps, max_reps = (4, 8) if quick else (10, 60)

    from bench_engine import machine  # the script beside this one

    from iopsim.analysis.binding import what_limits
    from iopsim.analysis.comparison import compare, run_scenarios
    from iopsim.analysis.precision import compare_to_precision
    from iopsim.core.scenario import Scenario

    for name, value in machine():
        print(f"{name:<22} {value}")
    print(f"{'load average (1 min)':<22} {os.getloadavg()[0]:.2f} before the first figure\n")

    base = Scenario()
    alternatives = [
        base.replace(name="referrals +20%", **{"referrals.per_week": base.referrals.per_week * 1.2}),
        base.replace(name="one more counsellor", **{"staff.iop_counsellors": base.staff.iop_counsellors + 1}),
        base.replace(name="second evening group", **{"tracks.tracks[1].groups": 2}),
    ]
    compare(base, reps=2, seed=1, progress=False)  # first-call caches, lazy imports

    seconds, cmp = clock(lambda: compare_to_precision(base, *alternatives, reps=reps, max_reps=max_reps, seed=1))
    print(f"Compare 4 scenarios to verdict precision ({reps} replications, up to {max_reps}): {seconds:.1f} s")
    for name, n in cmp.precision["reps"].items():
        print(f"    {name:<22} {n} replications")
    print(f"    every verdict known: {'yes' if cmp.precision['reached'] else 'no: ' + str(cmp.precision['unsettled'])}")
    for name, words in cmp.verdicts.items():
        print(f"    {name}: {words}")
    if not quick:
        print(f"    target <= {TARGET_COMPARE_S:g} s: {'PASS' if seconds <= TARGET_COMPARE_S else 'MISS'}")
    fixed, _ = clock(lambda: compare(base, *alternatives, reps=reps, seed=1, progress=False))
    print(f"Compare 4 scenarios at a fixed {reps} replications: {fixed:.1f} s")

    limits_s, limits = clock(lambda: what_limits(base, reps=reps, seed=1))
    print(f"What limits you ({len(limits.table) + 1} scenarios x {reps} replications): {limits_s:.1f} s")
    print(f"    {limits.summary}")

    values = [3, 4, 5, 6]
    scenarios = [base.replace(**{"staff.iop_counsellors": v}) for v in values]
    sweep_s, _ = clock(lambda: run_scenarios(scenarios, reps=reps, seed=1, workers=None, scheduler=None,
                                             progress=False))
    print(f"Capacity sweep, IOP counsellors {values[0]} to {values[-1]} x {reps} replications: {sweep_s:.1f} s")
    print(f"\n{'load average (1 min)':<22} {os.getloadavg()[0]:.2f} after the last figure")


if __name__ == "__main__":
    main()
