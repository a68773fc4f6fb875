"""How long a trainee waits for each course panel: the first estimate, and the refined answer.

    python benchmarks/bench_course.py [--trials 3]

Each panel of notebooks 02 to 05 is built as the notebook builds it (its settings cell, its form,
the starting program kept), then asked about a few different settings, as a trainee would press
Run: the time to the first chart (one replication of the trainee's program, drawn) and to the
last (all replications, drawn) are printed, median over the trials.  The browser adds its own
time on top (tests/test_course_browser.py measures it there and writes
test-artifacts/course-response-times.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import iopsim  # noqa: E402
from iopsim.course import change_charts, widgets  # noqa: E402

KPIS = ["admissions_per_year", "waitlist_mean", "lost_before_treatment_share", "seat_utilisation"]


def settings(name: str) -> dict:
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    cell = next(c for c in cells if "parameters" in c["metadata"].get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), {}, values)
    return values


PANELS = {  # notebook -> (the starting program, the trainee's settings to try: path -> values, one per trial)
    "02_capacity_and_waiting.ipynb": (lambda s: iopsim.Scenario(), "referrals.per_week", [5.0, 5.4, 5.8, 6.2, 6.6]),
    "03_designing_the_schedule.ipynb": (lambda s: iopsim.Scenario(), "tracks.tracks[0].hours", [3.5, 4.0, 2.5, 4.5, 2.0]),
    "04_relapse_and_aftercare.ipynb": (lambda s: iopsim.Scenario(), "relapse.readmission_probability",
                                       [0.6, 0.7, 0.8, 0.4, 0.3]),
    "05_dose_versus_access.ipynb": (lambda s: iopsim.Scenario().replace(**{"run.horizon_days": s["HORIZON_DAYS"]}),
                                    "referrals.per_week", [5.0, 6.0, 7.0, 8.0, 9.0]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    print(f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
          "load average {:.1f} {:.1f} {:.1f} (the figures scale with it on a shared machine)".format(*os.getloadavg()))
    print(f"{'notebook':34} {'first chart (s)':>16} {'refined (s)':>12} {'replications':>13}")
    for name, (make_base, path, values) in PANELS.items():
        s = settings(name)
        base = make_base(s)
        change_charts.keep(base, reps=s["REPS"], seed=s["SEED"])  # as the notebook does when it runs
        first, full = [], []
        for value in values[:args.trials]:
            scenario = base.replace(**{path: value})
            start = time.perf_counter()
            for i, result in enumerate(change_charts.refining(base, {"yours": scenario}, reps=s["REPS"], seed=s["SEED"])):
                widgets.chart_html(change_charts.change_bars(result, KPIS, title="t"))  # drawn as the panel draws it
                (first if i == 0 else full).append(time.perf_counter() - start)
        print(f"{name:34} {statistics.median(first):16.2f} {statistics.median(full):12.2f} {s['REPS']:13d}")
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
