"""A killed run costs no memory and leaves no litter: its workers stop, its half-written files go.

The run is a real child process killed with SIGKILL, the one signal it cannot answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iopsim.core.files import remove_stale, write_atomic
from iopsim.core.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and process parents are POSIX")

ENDLESS_POOL = """
import itertools
from iopsim.analysis.runner import Runner, Task
from iopsim.core.scenario import Scenario
data = Scenario().to_dict()
tasks = (Task(data, (0, i)) for i in itertools.count())
with Runner(workers=2) as runner:
    for _ in runner.run(tasks):
        pass
"""


def state(pid: int) -> tuple[str, int] | None:
    """(state letter, parent pid) of a process from /proc, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def children(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and (state(int(p.name)) or ("", 0))[1] == pid]


def alive(pid: int) -> bool:
    """Running; a zombie waiting for its new parent to reap it has stopped."""
    found = state(pid)
    return found is not None and found[0] not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_pool_workers_stop_within_5_seconds_when_their_parent_is_killed():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    parent = subprocess.Popen([sys.executable, "-c", ENDLESS_POOL], env=env)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.2)
            workers = children(parent.pid)
        assert len(workers) >= 2, "the pool did not start"
        time.sleep(1)  # both busy with a replication
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while any(alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if alive(p)], "pool workers outlived their killed parent"
    finally:
        parent.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@posix_only
def test_temporary_files_of_a_killed_writer_are_swept_and_a_live_writers_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = tmp_path / f".results.xlsx.{dead.pid}-abc123.tmp.xlsx"
    old_style = tmp_path / ".summary.csv.k2j3h4.tmp.csv"
    busy = tmp_path / f".report.html.{os.getppid()}-xyz789.tmp.html"  # a process that still runs
    for path in (left, old_style, busy):
        path.write_text("half a file")
    remove_stale(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [busy.name]
    write_atomic(tmp_path / "results.xlsx", b"whole")
    assert (tmp_path / "results.xlsx").read_bytes() == b"whole" and busy.exists()


@posix_only
def test_a_run_killed_in_its_write_phase_leaves_no_temporary_files_after_the_next_one(tmp_path):
    """write_results sweeps what an earlier writer, killed mid-write, left in the folder."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    killed = f"""
import os, signal
from iopsim.core import files
real = files.os.replace
def die(src, dst):
    if str(dst).endswith("results.xlsx"):
        os.kill(os.getpid(), signal.SIGKILL)  # killed with the workbook half done
    return real(src, dst)
files.os.replace = die
from iopsim.cli import main
main(["run", {str(tmp_path / 'tiny.yaml')!r}, "--reps", "2", "--workers", "1", "--no-progress",
      "--out", {str(tmp_path / 'out')!r}])
"""
    Scenario().replace(**{"run.horizon_days": 30, "run.warm_up_days": 0}).to_file(tmp_path / "tiny.yaml")
    first = subprocess.run([sys.executable, "-c", killed], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == -signal.SIGKILL, first.stderr
    assert [p.name for p in (tmp_path / "out").glob(".results.xlsx.*")]  # the litter the kill left
    again = subprocess.run([sys.executable, "-m", "iopsim.cli", "run", str(tmp_path / "tiny.yaml"), "--reps", "2",
                            "--workers", "1", "--no-progress", "--out", str(tmp_path / "out")],
                           env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert not list((tmp_path / "out").glob(".*.tmp*")) and (tmp_path / "out" / "results.xlsx").exists()
