"""How often the back-test's 95% ranges hold what happened, on synthetic records.

Records of three years are simulated from the known example program (iopsim.records.synthetic),
the fit sees the first two, projects the third month by month (referrals, admissions,
discharges), and the share of monthly counts inside their 95% prediction ranges is printed
(95% is nominal), with the bias of each measure.  Several seeds, so the figure is not one draw's.

    python benchmarks/backtest_coverage.py [seeds] [reps]
"""

from __future__ import annotations

import sys
import time

import pandas as pd

from iopsim.fitting.backtest import backtest
from iopsim.records.synthetic import EXAMPLE, model_date, simulated_records


def main(seeds: int = 5, reps: int = 20) -> None:
    covered = total = 0
    bias: dict[str, list[float]] = {}
    started = time.perf_counter()
    for seed in range(seeds):
        records = simulated_records(EXAMPLE, "program", seed=500 + seed, years=3)
        cut = model_date(EXAMPLE.run.warm_up_days + 2 * 365.25)
        result = backtest(records, cut, months=12, reps=reps, seed=seed)
        covered += int(result.table["covered"].sum())
        total += len(result.table)
        for measure, b in result.bias().items():
            bias.setdefault(measure, []).append(b)
        print(f"seed {seed}: coverage {result.coverage:.0%} of {len(result.table)} monthly counts; bias "
              + ", ".join(f"{m} {b:+.1%}" for m, b in result.bias().items()), flush=True)
    print(f"\nBack-test on synthetic records, {seeds} seeds x 12 months x 3 measures, {reps} replications each: "
          f"{covered} of {total} monthly counts inside their 95% range = {covered / total:.1%} (nominal 95%).")
    print("Mean bias (observed / projected - 1): " + ", ".join(
        f"{m} {pd.Series(b).mean():+.1%}" for m, b in bias.items()))
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
