"""Seed sweep: every statistical test of the suite, run on several seeds.

    python benchmarks/seed_sweep.py [--seeds 0 1 2 3 4] [pytest arguments ...]

CI runs each statistical claim (tests marked ``statistical``) on one seed; a claim held on one
seed is not held, so this runs them all once per seed (IOPSIM_TEST_SEED) and prints a table of
which passed.  A report, not a test: it exits 1 when any seed fails, so it can gate a release.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent


def run_seed(seed: int, extra: list[str], folder: Path) -> dict[str, str]:
    """Outcome ("passed", "failed", "skipped") of each statistical test on `seed`."""
    report = folder / f"seed-{seed}.xml"
    env = {**os.environ, "IOPSIM_TEST_SEED": str(seed), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "statistical",
                    f"--junitxml={report}", *extra, "tests"], cwd=ROOT, env=env, check=False,
                   stdout=subprocess.DEVNULL)
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[name] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args, extra = parser.parse_known_args()
    results, started = {}, time.perf_counter()
    with TemporaryDirectory() as folder:
        for seed in args.seeds:
            results[seed] = run_seed(seed, extra, Path(folder))
            print(f"seed {seed}: {sum(v == 'passed' for v in results[seed].values())} of "
                  f"{len(results[seed])} passed", flush=True)
    tests = sorted({name for outcome in results.values() for name in outcome})
    width = max(len(t) for t in tests) if tests else 10
    print(f"\n{'test':<{width}} | " + " | ".join(f"seed {s}" for s in args.seeds))
    for test in tests:
        print(f"{test:<{width}} | " + " | ".join(f"{results[s].get(test, '-'):<6}" for s in args.seeds))
    failures = sum(v == "failed" for outcome in results.values() for v in outcome.values())
    print(f"\n{len(tests)} statistical tests x {len(args.seeds)} seeds, {failures} failed, "
          f"{time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
