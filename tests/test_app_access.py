"""The web app (`kit.py app`) lets in only a browser holding its token, and gives idle kernels back.

Voila is started with kit.py's own options (a short idle timeout added, so the test need not wait
15 minutes) on a one-cell notebook, and asked over plain HTTP.
"""

from __future__ import annotations

import http.client
import sys
import threading
import time
from pathlib import Path

import pytest

from browser_helpers import ROOT, free_port, isolated_env, start_server, stop

sys.path.insert(0, str(ROOT))
import kit  # noqa: E402  (the options under test are the command's own)

TOKEN = "a-test-token-0123456789"
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts kernels in /proc (Linux)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("voila")
    nbformat = pytest.importorskip("nbformat")
    tmp = tmp_path_factory.mktemp("app")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("answer = 42")])
    nbformat.write(notebook, tmp / "tiny.ipynb")
    port = free_port()
    short_idle = ["--MappingKernelManager.cull_idle_timeout=2", "--MappingKernelManager.cull_interval=1"]
    options = [o for o in kit.APP_OPTIONS if not o.startswith("--MappingKernelManager.")] + short_idle
    assert len(options) == len(kit.APP_OPTIONS)  # the app's own culling options, only shorter
    cmd = [sys.executable, "-m", "voila", tmp / "tiny.ipynb", *options, f"--port={port}"]
    env = dict(isolated_env(tmp), JUPYTER_TOKEN=TOKEN)
    proc = start_server(cmd, port, env, tmp / "voila.log", cwd=tmp)
    yield proc, port
    stop(proc)


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def kernels(server_pid: int) -> list[int]:
    """The server's kernel processes (its children running ipykernel), zombies left out."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat[1]) == server_pid and stat[0] not in "ZX" and b"ipykernel" in command:
            found.append(int(entry.name))
    return found


@linux_only
def test_a_request_without_the_token_is_refused_and_starts_no_kernel(server):
    proc, port = server
    for path in ("/", "/?token=wrong", "/voila/render/tiny.ipynb"):
        status, body = get(port, path)
        assert status in (302, 403), (path, status)
        assert "answer" not in body
    assert kernels(proc.pid) == []


@linux_only
def test_the_token_lets_in_and_an_idle_kernel_is_shut_down(server):
    proc, port = server
    # watch for the kernel while the page renders: on a busy machine the render can take longer
    # than the short idle timeout, so the kernel may be gone again by the time the page arrives
    seen, done = set(), threading.Event()

    def watch():
        while not done.is_set():
            seen.update(kernels(proc.pid))
            time.sleep(0.05)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        status, body = get(port, f"/?token={TOKEN}")
    finally:
        done.set()
        watcher.join()
    assert status == 200 and "<html" in body.lower()
    assert seen, "the page started no kernel"
    deadline = time.monotonic() + 30
    while kernels(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert kernels(proc.pid) == [], "an idle kernel outlived the idle timeout"


def test_kit_prints_the_link_with_its_token_and_keeps_it_off_the_command_line(monkeypatch, capsys):
    started = {}

    def execve(path, cmd, env):
        started.update(cmd=cmd, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(kit.os, "execve", execve)
    monkeypatch.setattr(kit.os, "name", "posix")
    monkeypatch.delenv("JUPYTER_TOKEN", raising=False)
    with pytest.raises(SystemExit):
        kit.app([])
    token = started["env"]["JUPYTER_TOKEN"]
    assert len(token) >= 24
    assert f"open http://127.0.0.1:8866/?token={token} in a browser" in capsys.readouterr().out
    assert "--token" in started["cmd"] and "--port=8866" in started["cmd"]
    assert not [arg for arg in started["cmd"] if token in arg]
    with pytest.raises(SystemExit):
        kit.app(["--port=9001"])
    assert "http://127.0.0.1:9001/?token=" in capsys.readouterr().out and "--port=8866" not in started["cmd"]
