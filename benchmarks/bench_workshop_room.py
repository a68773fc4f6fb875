"""Workshop room benchmark: thirty participants on one laptop, through `kit.py workshop`'s server.

    python benchmarks/bench_workshop_room.py [--teams 30] [--browsers 4] [--arrive-s 2] [--warm-pages TEAMS]
                                             [--max-sessions WARM+4] [--idle-minutes 1] [--reps 10]
                                             [--wait-s 300] [--log FILE]

A report, not a test: it prints the machine, the figures and each target with PASS or MISS, and
exits 0 whatever they are.  Everything runs on 127.0.0.1, in a temporary folder, and stops at the
end.  Teams 1..--browsers are headless Chromium contexts, the others play the same steps with
tests/room_client.py (the page's request and widget messages, without a browser: thirty
Chromium contexts on two cores measure the browsers, not the server); the facilitator is a
Chromium context (tests/room_driver.py).  Each team opens the team link, signs in, sets a plan,
submits, and downloads its handout once the facilitator has closed submissions (team 1 then sees
a late plan refused) and run the workshop; team *n* arrives ``n * arrive_s`` seconds in (0: all
at once, the worst case).  No step waits longer than --wait-s.

Figures
  * page ready: link opened -> the team's form shown (browsers) or rendered, connected and every
    widget known (clients); median and slowest, each kind apart;
  * the tournament: every plan run with ``--reps`` replications, from the facilitator's click;
  * memory of the whole server tree (Voila, its kernels and their workers), sampled every second:
    resident set (shared pages counted in every process) and proportional set (PSS, shared pages
    split), at its peak;
  * errors (any step that failed, in any context), plans on the leaderboard, handouts downloaded;
  * how long after the pages closed the server held no session but its warm pages (culling);
  * the load average (1 minute) at each stage and the processor time the server tree used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_helpers import free_port, stop  # noqa: E402  (the tests' helpers, with the room driver)
from room_driver import kernel_count, play_room, start_room, tree, wait_for_kernels  # noqa: E402

TARGET_MEMORY_MB = 4000   # the whole server tree, thirty teams and the facilitator
TARGET_READY_S = 5.0      # median page ready


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load() -> str:
    return "load average {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min)".format(*os.getloadavg())


def cpu_seconds(pid: int) -> float:
    """Processor time (user + system) of the process tree under ``pid``, its ended children included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15]) / ticks  # utime, stime, cutime, cstime
        except (OSError, ValueError, IndexError):
            continue
    return total


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"median {statistics.median(values):.1f} s, slowest {max(values):.1f} s ({len(values)} pages)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=30)
    parser.add_argument("--browsers", type=int, default=4, help="teams played in headless Chromium (the first ones)")
    parser.add_argument("--arrive-s", type=float, default=2.0)
    parser.add_argument("--warm-pages", type=int, help="default: one per team, as the guide advises")
    parser.add_argument("--max-sessions", type=int, help="default: four more than the warm pages")
    parser.add_argument("--idle-minutes", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--wait-s", type=float, default=300, help="the longest wait for any one step")
    parser.add_argument("--log", type=Path, help="write each person's timed steps to this file")
    args = parser.parse_args()
    args.warm_pages = args.teams if args.warm_pages is None else args.warm_pages
    args.max_sessions = args.warm_pages + 4 if args.max_sessions is None else args.max_sessions
    print(f"Machine: {machine()}; {load()} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="iopsim-room-bench-") as tmp:
        os.environ.setdefault("MPLBACKEND", "Agg")
        started = time.monotonic()
        server, proc = start_room(Path(tmp), port=free_port(), idle_minutes=args.idle_minutes,
                                  max_sessions=args.max_sessions, warm_pages=args.warm_pages)
        print(f"Server up, its {args.warm_pages} warm pages ready, in {time.monotonic() - started:.1f} s; {load()}",
              flush=True)
        try:
            cpu_before, played = cpu_seconds(proc.pid), time.monotonic()
            report = asyncio.run(play_room(server, proc.pid, teams=args.teams, reps=args.reps, arrive_s=args.arrive_s,
                                           wait_s=args.wait_s, browsers=min(args.browsers, args.teams)))
            cpu_used, wall = cpu_seconds(proc.pid) - cpu_before, time.monotonic() - played
            print(f"Room played in {wall:.0f} s; {load()} at its end", flush=True)
            left = kernel_count(proc.pid)
            culled = wait_for_kernels(proc.pid, args.warm_pages, args.idle_minutes * 60 * 2 + 120)
        finally:
            stop(proc)
    browsers = min(args.browsers, args.teams)
    names = [f"Team {n:02d}" for n in range(1, args.teams + 1)]
    ready = {name: dict(report.steps.get(name, [])).get("page ready") for name in names}
    in_browser = [ready[n] for n in names[:browsers] if ready[n] is not None]
    in_client = [ready[n] for n in names[browsers:] if ready[n] is not None]
    print(f"{args.teams} teams ({browsers} in Chromium, {args.teams - browsers} as page clients) arriving "
          f"{args.arrive_s:g} s apart, {args.warm_pages} warm pages, {args.reps} replications per plan:")
    print("  " + report.summary())
    print(f"  page ready, all: {spread(in_browser + in_client)}; in Chromium (form shown): {spread(in_browser)}; "
          f"page clients (rendered, connected, widgets known): {spread(in_client)}")
    print(f"  plans on the leaderboard: {report.leaderboard_rows - 1} of {args.teams}; handouts downloaded: "
          f"{len(report.handouts)}; all-handouts zip: {len(report.zip_bytes) / 1000:.0f} kB")
    print(f"  processor time of the server tree while the room played: {cpu_used:.0f} s in {wall:.0f} s "
          f"({cpu_used / wall:.2f} of {os.cpu_count()} cores)")
    print(f"  sessions open when every page had closed: {left} ({args.warm_pages} warm pages); only the warm pages "
          "left " + (f"{culled:.0f} s later" if culled is not None else "within the wait (MISS)")
          + f" (idle timeout {args.idle_minutes * 60:.0f} s)")
    for error in report.errors[:10]:
        print("  error:", error)
    if args.log:
        lines = [f"{who}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps)
                 for who, steps in sorted(report.steps.items())]
        args.log.write_text("\n".join(lines + report.errors) + "\n", encoding="utf-8")
        print(f"  each person's steps: {args.log}")
    every = in_browser + in_client
    median = statistics.median(every) if every else float("inf")
    checks = [("every plan on the leaderboard", report.leaderboard_rows - 1 == args.teams),
              ("zero errors", not report.errors),
              (f"memory of the server tree <= {TARGET_MEMORY_MB} MB (proportional)", report.peak_pss_mb <= TARGET_MEMORY_MB),
              (f"memory of the server tree <= {TARGET_MEMORY_MB} MB (resident, shared pages counted in each)",
               report.peak_rss_mb <= TARGET_MEMORY_MB),
              (f"median page ready <= {TARGET_READY_S:g} s", median <= TARGET_READY_S),
              ("idle sessions culled", culled is not None)]
    for words, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {words}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
