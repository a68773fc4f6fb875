"""Helpers for the tests that start Jupyter servers, kernels and a real browser.

Everything such a test starts writes under its own temporary folder (Jupyter and IPython
settings, runtime files, matplotlib's cache, temporary files), never into the user's home.
When `CI` is set, a missing browser or Playwright fails the test instead of skipping it, so CI
can never pass by skipping the browser tests.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"


def isolated_env(tmp: Path) -> dict[str, str]:
    """os.environ with every Jupyter, IPython, matplotlib and temp folder under `tmp`."""
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    for name in ("TMPDIR", "XDG_CONFIG_HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                 "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        folder = tmp / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    return env


def missing(reason: str) -> None:
    """Skip with `reason`, or fail when running in CI, where every test must really run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def need_browser() -> None:
    """Playwright (Python) and Debian's Chromium, or skip/fail with how to get them."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright is not installed: pip install playwright (the test extra has it)")
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does this in CI)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cmd: list[str], port: int, env: dict[str, str], log: Path, cwd: Path | None = None,
                 timeout: float = 60) -> subprocess.Popen:
    """Start a server and wait until it accepts connections on `port` (its output goes to `log`)."""
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(c) for c in cmd], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[2:4]} stopped at start (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a server started here (it shuts its kernels down on SIGTERM)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
