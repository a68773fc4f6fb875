"""Hostile inputs for the hardening and fuzz tests, and a way to run code under resource limits.

A hostile file is read in a child process with a cap on its address space and CPU time, so a
regression costs the test a clear failure, not the machine's memory; the child reports how long
the read took and its own peak memory, which the tests compare with the stated bounds.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADDRESS_SPACE = 2 * 1024 ** 3  # a safety net: the measured peak is what the tests assert
CPU_SECONDS = 30


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """YAML whose aliases expand to width**levels strings, put where a list of numbers belongs."""
    lines = [f"lol0: &a0 [{', '.join(['lol'] * width)}]"]
    lines += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + f"\nreferrals:\n  weekday_weights: *a{levels - 1}\n"


def huge_list(megabytes: int = 50, json_file: bool = False) -> str:
    items = ", ".join(["1"] * (megabytes * 1_000_000 // 3))
    if json_file:
        return '{"referrals": {"weekday_weights": [' + items + "]}}\n"
    return "referrals:\n  weekday_weights: [" + items + "]\n"


def deep_nesting(levels: int = 5000, json_file: bool = False) -> str:
    inner = "[" * levels + "]" * levels
    if json_file:
        return '{"referrals": {"weekday_weights": ' + inner + "}}\n"
    return "referrals:\n  weekday_weights: " + inner + "\n"


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


CHILD = """
import json, sys, time
{imports}
start = time.process_time()
try:
    {call}
    outcome = "accepted"
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(exc)
seconds = time.process_time() - start
print(json.dumps({{"outcome": outcome, "seconds": seconds, "peak_bytes": peak_bytes()}}))
"""


PEAK = """
def peak_bytes():
    try:  # this process's own high-water mark; ru_maxrss would include the parent's from before exec
        status = open("/proc/self/status").read()
        return int(status.split("VmHWM:")[1].split()[0]) * 1024
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
"""


def run_limited(imports: str, call: str) -> dict:
    """Run ``call`` (one statement) in a limited child process; its outcome, seconds and peak memory."""
    return run_script(CHILD.format(imports=imports, call=call))


def run_script(code: str) -> Any:
    """Run a script in a limited child process (tests/ importable); what it printed last, read as JSON.

    The script may call ``peak_bytes()`` for its own peak memory."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    done = subprocess.run([sys.executable, "-c", "import resource\n" + PEAK + code], capture_output=True, text=True,
                          env=env, preexec_fn=_limit, timeout=4 * CPU_SECONDS)
    assert done.returncode == 0, f"the child failed (exit {done.returncode}):\n{done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])
