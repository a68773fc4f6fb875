"""Workshop room benchmark: thirty participants on one laptop, through `kit.py workshop`'s server.

    python benchmarks/bench_workshop_room.py [--teams 30] [--arrive-s 2] [--idle-minutes 1] [--reps 10]

A report, not a test: it prints the machine, the figures and each target with PASS or MISS, and
exits 0 whatever they are.  Everything runs on 127.0.0.1, in a temporary folder, and stops at the
end.  Each team is a headless Chromium context (tests/room_driver.py): open the team link, sign
in, set a plan, submit, and download its handout once the facilitator, in another context, has
run the workshop; team *n* arrives ``n * arrive_s`` seconds in (0: all at once, the worst case).

Figures
  * page ready: link opened -> the team's form shown (median and slowest);
  * the tournament: every plan run with ``--reps`` replications, from the facilitator's click;
  * memory of the whole server tree (Voila, its kernels and their workers), sampled every second:
    resident set (shared pages counted in every process) and proportional set (PSS, shared pages
    split), at its peak;
  * errors (any step that failed, in any context), plans on the leaderboard, handouts downloaded;
  * how long after the pages closed the server held no session (culling; --idle-minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser_helpers import free_port, stop  # noqa: E402  (the tests' helpers, with the room driver)
from room_driver import kernel_count, play_room, start_room, wait_for_kernels  # noqa: E402

TARGET_MEMORY_MB = 4000   # the whole server tree, thirty teams and the facilitator
TARGET_READY_S = 5.0      # median page ready


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load:.1f} at start"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=30)
    parser.add_argument("--arrive-s", type=float, default=2.0)
    parser.add_argument("--idle-minutes", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=10)
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="iopsim-room-bench-") as tmp:
        os.environ.setdefault("MPLBACKEND", "Agg")
        started = time.monotonic()
        server, proc = start_room(Path(tmp), port=free_port(), idle_minutes=args.idle_minutes,
                                  max_sessions=args.teams + 5)
        print(f"Server up in {time.monotonic() - started:.1f} s")
        try:
            report = asyncio.run(play_room(server, proc.pid, teams=args.teams, reps=args.reps,
                                           arrive_s=args.arrive_s))
            left = kernel_count(proc.pid)
            culled = wait_for_kernels(proc.pid, 0, args.idle_minutes * 60 * 2 + 120)
        finally:
            stop(proc)
    print(f"{args.teams} teams arriving {args.arrive_s:g} s apart, {args.reps} replications per plan:")
    print("  " + report.summary())
    print(f"  plans on the leaderboard: {report.leaderboard_rows - 1} of {args.teams}; handouts downloaded: "
          f"{len(report.handouts)}; all-handouts zip: {len(report.zip_bytes) / 1000:.0f} kB")
    print(f"  sessions open when every page had closed: {left}; none left "
          + (f"{culled:.0f} s later" if culled is not None else "within the wait (MISS)")
          + f" (idle timeout {args.idle_minutes * 60:.0f} s)")
    for error in report.errors[:10]:
        print("  error:", error)
    ready = sorted(report.ready_seconds)
    median = ready[len(ready) // 2] if ready else float("inf")
    checks = [("every plan on the leaderboard", report.leaderboard_rows - 1 == args.teams),
              ("zero errors", not report.errors),
              (f"memory of the server tree <= {TARGET_MEMORY_MB} MB (resident)", report.peak_rss_mb <= TARGET_MEMORY_MB),
              (f"median page ready <= {TARGET_READY_S:g} s", median <= TARGET_READY_S),
              ("idle sessions culled", culled is not None)]
    for words, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {words}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
