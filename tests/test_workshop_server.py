"""`kit.py workshop CARD` serves a room: the access code keeps others out, each page has its own
session, sessions are capped (warm pages included, one kept for the facilitator) and idle ones
culled, and a small room plays a whole workshop.

The room is started as the command starts it (``serve.prepare``'s Voila command), with a warm
team page and a short idle timeout so the culling can be seen, and played by two teams and the
facilitator in headless Chromium on 127.0.0.1 (``room_driver``): the facilitator presses *Close
submissions* and a team's late plan is refused on its page.  benchmarks/bench_workshop_room.py
plays thirty.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import sys
import time
import zipfile
from pathlib import Path

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError

from browser_helpers import ROOT, free_port, need_browser, stop
from iopsim.workshop import serve
from iopsim.workshop.facilitator_page import CODE_VARIABLE, code_digest
from iopsim.workshop.forms import ROOM_VARIABLE
from iopsim.workshop.room import REFUSED, SUBMITTED, Room
from iopsim.workshop.sessions import FULL, CappedKernelManager

sys.path.insert(0, str(ROOT))
import kit  # noqa: E402  (the command under test)

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="counts kernels in /proc (Linux)")
TEAMS, IDLE_MINUTES, WARM = 2, 0.5, 1
SESSIONS = TEAMS + 1 + WARM  # the teams, the facilitator and a warm team page: the room is full


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


# ---------------------------------------------------------------------- the command
def test_kit_workshop_starts_the_room_server_with_the_given_options(monkeypatch):
    started = {}

    def execv(path, cmd):
        started.update(cmd=cmd)
        raise SystemExit(0)
    monkeypatch.setattr(kit.os, "execv", execv)
    monkeypatch.setattr(kit.os, "name", "posix")
    with pytest.raises(SystemExit):
        kit.workshop(["drug-wave", "--lan"])
    assert started["cmd"][1:] == ["-m", "iopsim.workshop.serve", "drug-wave", "--lan"]


def test_the_room_listens_on_this_computer_unless_asked_and_keeps_its_codes_off_the_command_line(tmp_path):
    local = serve.prepare("evening-room", folder=tmp_path / "a", stories=False, max_sessions=12, idle_minutes=5)
    assert "--Voila.ip=127.0.0.1" in local.command and local.team_link.startswith("http://127.0.0.1:8866/")
    assert {"--token", "--MappingKernelManager.cull_idle_timeout=300", "--CappedKernelManager.max_kernels=12",
            "--VoilaConfiguration.multi_kernel_manager_class=iopsim.workshop.sessions.CappedKernelManager"} \
        <= set(local.command)
    assert not [arg for arg in local.command if local.access_code in arg or local.facilitator_code in arg]
    assert local.env["JUPYTER_TOKEN"] == local.access_code
    assert local.env[CODE_VARIABLE] == code_digest(local.facilitator_code)  # the kernels get the hash only
    assert Room(local.env[ROOM_VARIABLE]).card.id == "evening-room"  # set once, for every page
    assert sorted(p.name for p in (tmp_path / "a" / "pages").iterdir()) == ["facilitator.ipynb", "team.ipynb"]
    lan = serve.prepare("evening-room", folder=tmp_path / "b", stories=False, lan=True)
    assert "--Voila.ip=0.0.0.0" in lan.command and lan.access_code != local.access_code
    assert len(local.access_code) == 9 and set(local.access_code) <= set(serve.CODE_LETTERS + "-")


def test_team_pages_are_made_before_anyone_opens_them_within_the_session_cap(tmp_path):
    warm = serve.prepare("evening-room", folder=tmp_path / "a", stories=False, warm_pages=30, max_sessions=34)
    assert {"--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=30",
            "--CappedKernelManager.max_kernels=34", "--VoilaKernelManager.preheat_denylist=facilitator.ipynb"} \
        <= set(warm.command)
    cold = serve.prepare("evening-room", folder=tmp_path / "b", stories=False, warm_pages=0)
    assert not [arg for arg in cold.command if "preheat" in arg or "pool_size" in arg]
    assert serve.parse(["evening-room"]).warm_pages == serve.WARM_PAGES
    for too_many in (["--warm-pages", "40"], ["--warm-pages", "10", "--max-sessions", "8"], ["--warm-pages", "-1"]):
        with pytest.raises(SystemExit):
            serve.parse(["evening-room", *too_many])


def test_sessions_are_capped_with_one_kept_for_the_facilitators_page(monkeypatch):
    """The cap counts warm pages; teams (and warm pages made for them) leave one session for the facilitator.
    A kernel is listed a moment before its start returns (as jupyter_server's are): it counts once."""
    held = asyncio.Event()  # a warm page's start waits for it, once listed

    async def start(self, *args, kernel_id=None, **kwargs):  # a kernel without a process: only the count matters
        self._kernels[kernel_id] = object()
        if kwargs["env"].get("VOILA_PREHEAT") and not held.is_set():
            await held.wait()
        return kernel_id
    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)

    def page(name):
        return {"env": {"VOILA_REQUEST_URL": f"http://127.0.0.1:8866/voila/render/{name}?token=X"}}
    warm, team, facilitator = {"env": {"VOILA_PREHEAT": "True"}}, page("team.ipynb"), page("facilitator.ipynb")

    async def refused(manager, kind):
        with pytest.raises(HTTPError) as error:
            await manager.start_kernel(**kind)
        assert error.value.status_code == 503 and error.value.reason == FULL

    async def teams_first():
        manager = CappedKernelManager(max_kernels=3, reserved="facilitator.ipynb")
        await manager.start_kernel(**warm)
        await manager.start_kernel(**team)
        await refused(manager, team)
        await refused(manager, warm)
        await manager.start_kernel(**facilitator)  # the seat kept for the facilitator
        await refused(manager, facilitator)
        return manager

    async def facilitator_first():
        manager = CappedKernelManager(max_kernels=3, reserved="facilitator.ipynb")
        await manager.start_kernel(**facilitator)
        for _ in range(2):
            await manager.start_kernel(**team)  # the facilitator has a session: the teams may fill the rest
        await refused(manager, team)
        return manager

    async def facilitator_while_a_warm_page_starts():
        held.clear()
        manager = CappedKernelManager(max_kernels=3, reserved="facilitator.ipynb")
        await manager.start_kernel(**team)
        warming = asyncio.create_task(manager.start_kernel(**warm))
        await asyncio.sleep(0)  # the warm page's kernel is listed; its start has not returned
        assert len(manager.list_kernel_ids()) == 2
        await manager.start_kernel(**facilitator)  # 2 of 3 in use, not 3: the facilitator gets the seat
        held.set()
        await warming
        return manager

    held.set()
    assert len(asyncio.run(teams_first())._warm) == 1 and len(asyncio.run(facilitator_first()).list_kernel_ids()) == 3
    assert len(asyncio.run(facilitator_while_a_warm_page_starts()).list_kernel_ids()) == 3


def test_the_projector_page_shows_the_code_large_with_a_qr_code(tmp_path):
    server = serve.prepare("one-extra-fte", folder=tmp_path, stories=False, code="ABCD-EFGH")
    page = (tmp_path / "projector.html").read_text(encoding="utf-8")
    assert '<div class="code">ABCD-EFGH</div>' in page and "font: 700 15vh" in page
    assert 'src="data:image/svg+xml' in page and server.team_link in page
    assert server.facilitator_code not in page  # the facilitator's code stays in the terminal
    text = serve.banner(server, lan=False, max_sessions=40, idle_minutes=10)
    assert "A   B   C   D   -   E   F   G   H" in text and "127.0.0.1" in text and "▀" in text


# ------------------------------------------------------------------------ the room
@pytest.fixture(scope="module")
def room(tmp_path_factory):
    need_browser()
    pytest.importorskip("voila")
    from room_driver import start_room

    tmp = tmp_path_factory.mktemp("room")
    port = free_port()
    server, proc = start_room(tmp, port=port, idle_minutes=IDLE_MINUTES, max_sessions=SESSIONS, warm_pages=WARM)
    yield server, proc, port
    stop(proc)


@linux_only
def test_without_the_access_code_nothing_opens_and_no_session_starts(room):
    from room_driver import kernel_count

    server, proc, port = room
    for path in ("/", "/voila/render/team.ipynb", "/voila/render/facilitator.ipynb?token=WRONG-CODE",
                 f"/voila/render/team.ipynb?token={server.access_code.lower()}", "/voila/files/room.json"):
        status, body = get(port, path)
        assert status in (302, 403, 404), (path, status)
        assert "ws-form" not in body and server.room.card.title not in body
    assert kernel_count(proc.pid) == WARM  # the warm team page, and nothing started for these requests


@linux_only
def test_two_teams_and_the_facilitator_play_a_whole_workshop(room, capsys):
    from room_driver import kernel_count, play_room, wait_for_kernels

    server, proc, port = room
    report = asyncio.run(play_room(server, proc.pid, teams=TEAMS, reps=2, wait_s=240))
    with capsys.disabled():
        print(f"\n  room of {TEAMS} teams: {report.summary()}")
    assert report.errors == []
    assert report.leaderboard_rows == TEAMS + 1  # every plan, and the start
    # the facilitator pressed Close: Team 01's plan sent after it was refused on its page, its earlier plan ran
    assert "late plan" in dict(report.steps["Team 01"])
    status = {s.team.name: s for s in server.room.status()}  # teams sign in in any order
    first = status.pop("Team 01")
    assert first.state == REFUSED and "Submissions are closed" in first.why and "earlier plan stands" in first.why
    assert [s.state for s in status.values()] == [SUBMITTED] * (TEAMS - 1)
    assert f"{TEAMS} teams: {TEAMS - 1} submitted, 1 refused" in report.facilitator_text
    for name, page in report.handouts.items():
        assert f"Workshop results: {name}" in page.decode("utf-8")
    assert set(report.handouts) == {f"Team {n:02d}" for n in range(1, TEAMS + 1)}
    assert len(zipfile.ZipFile(io.BytesIO(report.zip_bytes)).namelist()) == TEAMS
    # every page is closed, but the sessions live on until the idle timeout: the room is full but for its warm page
    assert kernel_count(proc.pid) == SESSIONS
    team_page = f"/voila/render/team.ipynb?token={server.access_code}"
    status, body = get(port, team_page)
    assert status == 200 and "kernelId" in body  # the warm page, taken by a page that never connects
    status, body = get(port, team_page)
    assert status == 503 and "The workshop room is full" in body and kernel_count(proc.pid) == SESSIONS
    culled = wait_for_kernels(proc.pid, WARM, IDLE_MINUTES * 60 * 2 + 60)
    assert culled is not None, "closed pages kept their sessions past the idle timeout"
    with capsys.disabled():
        print(f"  sessions of closed pages culled {culled:.0f} s after the run (idle timeout {IDLE_MINUTES * 60:.0f} s)")
    # the sessions given back, a page opens again: a kernel's process ends a moment before the server has
    # closed its session (until then the room still counts it full), so a team that reloads may wait that moment
    deadline = time.monotonic() + 30
    while (answer := get(port, team_page))[0] == 503 and time.monotonic() < deadline:
        time.sleep(1)
    assert answer[0] == 200 and "kernelId" in answer[1]
