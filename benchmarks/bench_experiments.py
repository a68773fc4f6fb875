"""Experiment benchmark for iopsim: replications per second, parallel efficiency, memory.

    python benchmarks/bench_experiments.py [--quick]

A report, not a test: it prints the machine, the figures and each target with PASS or MISS,
and exits 0 whatever they are.  --quick cuts the work for a smoke run (the memory figure then
uses 20 replications instead of 100).

Figures
  * replications per second of the default scenario (one year after its two-year warm-up),
    sequential (workers=1, in this process) and parallel (every core, a fresh process pool per
    call, its start-up included), and parallel efficiency = speed-up / cores;
  * the wall time of ``replicate(reps=10)`` plus ``.summary`` on every core (median of 5, in
    this warmed-up process; also once from a fresh ``python -c``, imports included);
  * the peak memory of a 100-replication x 5-year experiment written to a temporary out
    folder, run in a fresh Python process: resident set of that process plus its workers,
    sampled every 20 ms with psutil when it is importable (it comes with dask.distributed;
    iopsim does not depend on it), and the getrusage bound (the process's own peak plus
    workers x the largest worker's peak).  Forked workers share pages with their parent, so
    the summed resident sets over-count; the proportional set size (PSS) sum is also shown
    where Linux offers it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

TARGET_EFFICIENCY = 0.90     # on 2 cores
TARGET_TEN_REPS_S = 0.5      # 10 default replications with summary, 2 cores
TARGET_PEAK_MB = 300.0       # 100 replications x 5 years


def machine() -> list[tuple[str, str]]:
    import numpy as np
    import pandas as pd

    import iopsim

    from bench_engine import cpu_name  # the script beside this one

    from iopsim.analysis.runner import cpu_count

    return [("CPU", cpu_name()), ("cores usable / os.cpu_count", f"{cpu_count()} / {os.cpu_count()}"),
            ("Python", platform.python_version()),
            ("iopsim / numpy / pandas", f"{iopsim.__version__} / {np.__version__} / {pd.__version__}"),
            ("platform", platform.platform())]


def clock(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def cpu_seconds() -> float:
    """CPU time of this process and its finished (joined) children: user + system."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def throughput(reps_seq: int, reps_par: int, repeats: int) -> dict:
    from iopsim import replicate
    from iopsim.analysis.runner import cpu_count

    cores = cpu_count()
    replicate(reps=2, workers=1, progress=False)  # first-call caches, lazy imports

    def measure(reps: int, workers: int) -> tuple[float, float]:
        best = (float("inf"), float("inf"))
        for _ in range(repeats):
            cpu = cpu_seconds()
            wall, _ = clock(lambda: replicate(reps=reps, seed=11, workers=workers, progress=False))
            best = min(best, (wall, cpu_seconds() - cpu))
        return best

    seq, seq_cpu = measure(reps_seq, 1)
    par, par_cpu = measure(reps_par, cores)
    seq_rate, par_rate = reps_seq / seq, reps_par / par
    return {"cores": cores, "seq_rate": seq_rate, "par_rate": par_rate, "speedup": par_rate / seq_rate,
            "efficiency": par_rate / seq_rate / cores, "reps_seq": reps_seq, "reps_par": reps_par,
            "seq_cpu_per_rep": seq_cpu / reps_seq, "par_cpu_per_rep": par_cpu / reps_par}


def ten_reps(repeats: int) -> dict:
    from iopsim import replicate

    def once():
        exp = replicate(reps=10, seed=3, progress=False)
        return exp.summary

    times = [clock(once)[0] for _ in range(repeats)]
    code = ("import time; t = time.perf_counter(); import iopsim; "
            "iopsim.replicate(reps=10, seed=3, progress=False).summary; print(time.perf_counter() - t)")
    cold = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                  .stdout.split()[-1]) for _ in range(2)]
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "cold": min(cold)}


MEMORY_CHILD = r"""
import json, os, resource, sys, tempfile, threading, time
import iopsim
from iopsim import Scenario, replicate

reps, years = int(sys.argv[1]), int(sys.argv[2])
try:
    import psutil
except ImportError:
    psutil = None
peak = {"rss": 0, "pss": 0, "processes": 0}
stop = threading.Event()

def sample():
    me = psutil.Process()
    while not stop.is_set():
        rss = pss = 0
        procs = [me] + me.children(recursive=True)
        for p in procs:
            try:
                if hasattr(p, "memory_full_info"):
                    info = p.memory_full_info()
                    rss += info.rss
                    pss += getattr(info, "pss", 0)
                else:
                    rss += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        peak["rss"] = max(peak["rss"], rss)
        peak["pss"] = max(peak["pss"], pss)
        peak["processes"] = max(peak["processes"], len(procs))
        stop.wait(0.02)

scenario = Scenario().replace(**{"run.horizon_days": 365.0 * years})
if psutil is not None:
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    exp = replicate(scenario, reps=reps, seed=1, out=out, progress=False)
    exp.summary
    wall = time.perf_counter() - start
    files = len(os.listdir(os.path.join(out, "replications")))
stop.set()
scale = 1024 if sys.platform != "darwin" else 1  # ru_maxrss: KiB on Linux, bytes on macOS
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
from iopsim.analysis.runner import cpu_count
workers = cpu_count()
print(json.dumps({"wall": wall, "files": files, "own": own, "child": child, "workers": workers,
                  "bound": own + workers * child, "psutil": psutil is not None, **peak}))
"""


def memory(reps: int, years: int) -> dict:
    result = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(reps), str(years)], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(title: str, rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\n{title}\n" + "-" * max(len(title), sum(widths) + 3 * (len(widths) - 1)))
    for r in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def verdict(ok: bool, applies: bool = True) -> str:
    if not applies:
        return "n/a"
    return "PASS" if ok else "MISS"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="less work: a smoke run")
    args = parser.parse_args()
    quick = args.quick
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    table("Machine", machine() + [("load average (1 min) at start", f"{load_before:.2f}")])

    t = throughput(reps_seq=8 if quick else 20, reps_par=16 if quick else 40, repeats=1 if quick else 3)
    ten = ten_reps(2 if quick else 5)
    mem_reps = 20 if quick else 100
    mem = memory(mem_reps, 5)
    cores = t["cores"]
    on_two = cores == 2

    rows = [("figure", "value", "target", "result"),
            ("sequential replications/s (workers=1)", f"{t['seq_rate']:.1f}", "", ""),
            (f"parallel replications/s ({cores} workers, pool start included)", f"{t['par_rate']:.1f}", "", ""),
            ("speed-up", f"{t['speedup']:.2f}x", "", ""),
            ("CPU seconds per replication: sequential / parallel (workers included)",
             f"{t['seq_cpu_per_rep']:.3f} / {t['par_cpu_per_rep']:.3f}", "", ""),
            ("parallel efficiency = speed-up / cores", f"{t['efficiency']:.0%}", f">= {TARGET_EFFICIENCY:.0%} on 2 cores",
             verdict(t["efficiency"] >= TARGET_EFFICIENCY) + ("" if on_two else f" (measured on {cores} cores)")),
            ("10 default replications + summary, all cores (median)", f"{ten['median']:.3f} s "
             f"(min {ten['min']:.3f}, max {ten['max']:.3f})", f"<= {TARGET_TEN_REPS_S} s on 2 cores",
             verdict(ten["median"] <= TARGET_TEN_REPS_S) + ("" if on_two else f" (measured on {cores} cores)")),
            ("  the same in a fresh process, imports included (best of 2)", f"{ten['cold']:.3f} s", "", "")]
    if "error" in mem:
        rows.append((f"peak memory, {mem_reps} x 5-year replications", f"failed: {mem['error']}",
                     f"<= {TARGET_PEAK_MB:.0f} MB", "MISS"))
    else:
        mb = 1024 * 1024
        if mem["psutil"]:
            figure, label = mem["rss"] / mb, "sampled sum of resident sets (this process + workers)"
        else:
            figure, label = mem["bound"] / mb, "getrusage bound (own peak + workers x largest worker peak)"
        rows += [
            (f"{mem_reps} x 5-year experiment to a temp out folder: wall time", f"{mem['wall']:.1f} s "
             f"({mem['files']} replication files)", "", ""),
            (f"  peak memory: {label}", f"{figure:.0f} MB", f"<= {TARGET_PEAK_MB:.0f} MB",
             verdict(figure <= TARGET_PEAK_MB) + ("" if mem_reps == 100 else " (quick: fewer replications)")),
            ("  getrusage: own peak / largest worker peak", f"{mem['own'] / mb:.0f} MB / {mem['child'] / mb:.0f} MB",
             "", ""),
            (f"  getrusage bound: own + {mem['workers']} x worker", f"{mem['bound'] / mb:.0f} MB", "", ""),
        ]
        if mem["psutil"] and mem["pss"]:
            rows.append(("  sampled sum of proportional set sizes (PSS, shared pages split)",
                         f"{mem['pss'] / mb:.0f} MB", "", ""))
    table("Experiments", rows)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nLoad average (1 min) at the end: {load_after:.2f}.  Other work on the machine slows the parallel "
          "figures first: with a load near the core count, compare the CPU seconds per replication instead "
          "(parallel overhead shows there, contention does not).")
    print("Note: parallel figures include forking the worker pool (each replicate call starts one).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
