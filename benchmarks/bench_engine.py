"""Engine benchmark for iopsim: how fast one replication runs, against targets and plain SimPy.

    python benchmarks/bench_engine.py [--quick] [--profile]

A report, not a test: it prints a table and exits 0 even when a target is missed.  --quick
cuts repetitions for a smoke run; --profile prints cProfile's top 15 functions (by tottime)
for one default replication instead of the report.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time

import numpy as np
import simpy

from iopsim import Scenario
from iopsim.core.program import Program
from iopsim.analysis.queueing import erlang_c_wait, mmc_scenario
from iopsim.analysis.run import SimulationRun

MMC = {"arrivals_per_day": 20.0, "mean_service_hours": 4.0, "servers": 4}  # utilisation 0.83


def cpu_name() -> str:
    """The processor's model name, where the system tells it."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on: timings mean little without it."""
    return [("CPU", cpu_name()), ("cores", str(os.cpu_count())), ("Python", platform.python_version()),
            ("simpy / numpy", f"{simpy.__version__} / {np.__version__}"), ("platform", platform.platform())]


def clock(fn) -> tuple[float, object]:
    """Wall time of one call (perf_counter) and its result.  Garbage left by earlier calls is
    collected first, so that no call pays for the one before it."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def default_replication(reps: int) -> dict:
    """Simulation only (Program built and run: no DataFrame, no KPIs), then .events and .kpis apart."""
    scenario = Scenario()
    Program(scenario, 0).run()  # warm-up: first-call caches, lazy imports
    times, rows = [], []
    for seed in range(1, reps + 1):
        seconds, program = clock(lambda: Program(scenario, seed).run())
        times.append(seconds)
        rows.append(len(program.log))
    frames, kpis = [], []
    for seed in range(1, min(reps, 5) + 1):
        run = SimulationRun(scenario, seed, Program(scenario, seed).run())
        frames.append(clock(lambda: run.events)[0])
        kpis.append(clock(lambda: run.kpis)[0])  # .events is cached by now: KPI computation alone
    return {"times": times, "rows": statistics.median(rows), "events": statistics.median(frames),
            "kpis": statistics.median(kpis), "simpy_events": count_simpy_events(scenario, 1), "run": scenario.run}


def steady_year(reps: int, one_year_times: list[float]) -> float:
    """Seconds one simulated year takes once the program is at steady state: runs reporting five
    years less the default's one-year runs (same warm-up, same seeds 1..reps), per extra year.
    The floor under the figure per reported year: a warm start could save the warm-up, not this."""
    five = Scenario().replace(**{"run.horizon_days": 5 * 365.0})
    five_year_times = [clock(lambda: Program(five, seed).run())[0] for seed in range(1, reps + 1)]
    return (statistics.median(five_year_times) - statistics.median(one_year_times)) / 4


def count_simpy_events(scenario: Scenario, seed: int) -> int:
    """SimPy events processed in one run, by wrapping env.step (a separate, untimed run)."""
    program = Program(scenario, seed)
    env, steps = program.env, [0]
    step = env.step

    def counting_step():
        steps[0] += 1
        step()

    env.step = counting_step  # Environment.run looks step up on the instance on every event
    program.run()
    return steps[0]


def plain_simpy_mmc(lam: float, mu: float, c: int, end: float, warm_up: float, seed: int) -> tuple[list, int]:
    """The textbook M/M/c: a process per customer requesting a Resource; waits of those after warm-up."""
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    waits, arrived = [], [0]

    def customer():
        arrival = env.now
        with servers.request() as request:
            yield request
            if arrival >= warm_up:
                waits.append(env.now - arrival)
            yield env.timeout(rng.expovariate(mu))

    def source():
        while True:
            yield env.timeout(rng.expovariate(lam))
            arrived[0] += 1
            env.process(customer())

    env.process(source())
    env.run(until=end)
    return waits, arrived[0]


def model_mmc(scenario: Scenario, seed: int) -> tuple[list, int]:
    """iopsim configured as M/M/c: assessment waits booked after warm-up, and customers referred."""
    log = Program(scenario, seed).run().log
    warm_up, event = scenario.run.warm_up_days, log.column("event")
    waits = [value for time, e, value in zip(log.column("time"), event, log.column("value"))
             if e == "assessment_booked" and time >= warm_up]
    return waits, event.count("referral")


def mmc_comparison(reps: int, days: float, warm_up: float = 30.0) -> dict:
    """Same λ, μ, c and horizon in both, so the ratio is the cost of iopsim's machinery per customer."""
    lam, mu, c = MMC["arrivals_per_day"], 24.0 / MMC["mean_service_hours"], MMC["servers"]
    scenario = mmc_scenario(**MMC, days=days, warm_up_days=warm_up)
    both = {"iopsim M/M/c": lambda s: model_mmc(scenario, s),
            "plain SimPy M/M/c": lambda s: plain_simpy_mmc(lam, mu, c, warm_up + days, warm_up, s)}
    for fn in both.values():
        fn(0)  # warm-up
    # the two take turns, seed by seed, so that a machine slowing down for a while slows both
    timed = {name: [] for name in both}
    for seed in range(1, reps + 1):
        for name, fn in both.items():
            timed[name].append(clock(lambda: fn(seed)))
    out = {}
    for name, runs in timed.items():
        seconds = statistics.median(t for t, _ in runs)
        customers = statistics.median(n for _, (_, n) in runs)
        wait = statistics.fmean(statistics.fmean(w) for _, (w, _) in runs)  # mean of the runs' means
        out[name] = (seconds, customers / seconds, 24 * wait)
    out["erlang_c_hours"] = 24 * erlang_c_wait(lam, mu, c)
    return out


def import_time(reps: int) -> tuple[float, list[tuple[str, float]]]:
    """Cold `import iopsim` (fresh interpreters, minus bare start-up), and its 5 heaviest parts.

    From -X importtime: iopsim's own modules by self time, and whatever they import directly
    (numpy, simpy, pydantic, ...) by cumulative time, so the parts add up without overlap.
    """
    def wall(code: str) -> float:
        return statistics.median(clock(lambda: subprocess.run([sys.executable, "-c", code], check=True))[0]
                                 for _ in range(reps))

    seconds = wall("import iopsim") - wall("pass")
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import iopsim"],
                         capture_output=True, text=True, check=True).stderr.splitlines()
    cells = [line.split("|") for line in err if line.startswith("import time:")]
    entries = [(c[2].rstrip(), int(c[0].split(":")[1]), int(c[1])) for c in cells if c[1].strip().isdigit()]
    depth = [len(name) - len(name.lstrip()) for name, _, _ in entries]
    parts = []
    for i, (name, self_us, cum_us) in enumerate(entries):  # children come before their parent
        parent = next((entries[j][0].strip() for j in range(i + 1, len(entries)) if depth[j] < depth[i]), "")
        if name.strip().startswith("iopsim"):
            parts.append((f"{name.strip()} (self)", self_us / 1e6))
        elif parent.startswith("iopsim"):
            parts.append((f"{name.strip()} (cumulative)", cum_us / 1e6))
    return seconds, sorted(parts, key=lambda p: -p[1])[:5]


def table(title: str, rows: list[tuple[str, ...]]) -> None:
    """A plain aligned table: readable in a terminal, a CI log or pasted into an issue."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\n{title}\n" + "-" * max(len(title), sum(widths) + 3 * (len(widths) - 1)))
    for r in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, shorter M/M/c (smoke run)")
    parser.add_argument("--profile", action="store_true", help="cProfile one default replication, top 15")
    args = parser.parse_args()
    if args.profile:
        scenario = Scenario()
        Program(scenario, 0).run()
        profile = cProfile.Profile()
        profile.runcall(lambda: Program(scenario, 1).run())
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
        return 0
    reps, mmc_reps, days, imports = (3, 2, 500.0, 2) if args.quick else (15, 5, 2000.0, 5)
    ms = lambda s: f"{1e3 * s:.1f} ms"  # noqa: E731

    table("Machine", machine())
    d = default_replication(reps)
    med = statistics.median(d["times"])
    years = (d["run"].warm_up_days + d["run"].horizon_days) / 365
    reported = d["run"].horizon_days / 365
    per_year, per_reported_year = med / years, med / reported
    table(f"Default replication ({d['run'].warm_up_days:g}-day warm-up + {d['run'].horizon_days:g} days), "
          f"{reps} seeds after one warm-up call", [
        ("simulation only (Program(...).run())", f"median {ms(med)}  (min {ms(min(d['times']))}, "
                                                 f"max {ms(max(d['times']))})"),
        (f"per simulated year ({years:.2f} years, warm-up included)", f"median {ms(per_year)}"),
        (f"per reported year ({reported:.2f} years after the warm-up)", f"median {ms(per_reported_year)}"),
        ("per year at steady state (5 reported years less 1, per year)", ms(steady_year(reps, d["times"]))),
        ("building .events (DataFrame)", f"median {ms(d['events'])}"),
        ("computing .kpis (after .events)", f"median {ms(d['kpis'])}"),
        ("event-log rows per run (median)", f"{d['rows']:,.0f}"),
        ("event-log rows / s", f"{d['rows'] / med:,.0f}"),
        ("SimPy events processed per run", f"{d['simpy_events']:,}  (counted in a separate run)"),
        ("SimPy events / s", f"{d['simpy_events'] / med:,.0f}")])

    m = mmc_comparison(mmc_reps, days)
    rows = [("", "median time", "customers / s", "mean wait (h)")]
    rows += [(k, ms(v[0]), f"{v[1]:,.0f}", f"{v[2]:.3f}") for k, v in m.items() if k != "erlang_c_hours"]
    rows.append(("Erlang C", "", "", f"{m['erlang_c_hours']:.3f}"))
    ratio = m["iopsim M/M/c"][0] / m["plain SimPy M/M/c"][0]
    rows.append(("ratio iopsim / plain", f"{ratio:.2f}", "", ""))
    table(f"M/M/{MMC['servers']}: λ={MMC['arrivals_per_day']:g}/day, {MMC['mean_service_hours']:g} h service, "
          f"{days:g} days + 30 warm-up, median of {mmc_reps}", rows)

    seconds, heavy = import_time(imports)
    table(f"Cold `import iopsim`: median of {imports} fresh interpreters minus `python -c pass`; "
          "heaviest parts from -X importtime",
          [("import iopsim", ms(seconds))] + [(f"  {name}", ms(s)) for name, s in heavy])

    events_per_s = d["rows"] / med
    targets = [("default replication per simulated year", "<= 30 ms", ms(per_year), per_year <= 0.030),
               ("default replication per reported year", "<= 30 ms", ms(per_reported_year), per_reported_year <= 0.030),
               ("event-log rows / s", ">= 400,000", f"{events_per_s:,.0f}", events_per_s >= 400_000),
               ("M/M/c vs plain SimPy", "ratio <= 1", f"{ratio:.2f}", ratio <= 1.0),
               ("import iopsim", "<= 0.5 s", ms(seconds), seconds <= 0.5)]
    table("Targets", [("what", "target", "figure", "result")]
          + [(*t[:3], "PASS" if t[3] else "MISS") for t in targets])
    return 0


if __name__ == "__main__":
    sys.exit(main())
