"""Drive a served workshop room as a room of people would, all on 127.0.0.1: teams in their own
headless Chromium contexts or as ``room_client.TeamPage`` (the page's requests and widget messages
without a browser), the facilitator in Chromium.  Used by tests/test_workshop_server.py (a few
teams) and benchmarks/bench_workshop_room.py (thirty).

    server, proc = start_room(tmp, port=free_port(), idle_minutes=0.2)
    report = asyncio.run(play_room(server, proc.pid, teams=4, browsers=2))
    stop(proc)

Each team: open the team link (page ready: link opened -> the form shown, timed), sign in, odd
teams switch the assessment to walk-in, the first checks its plan (a one-run preview), submit,
and, once the facilitator has run the workshop, download its handout.  The facilitator: open the
page, give the facilitator's code, wait until every team has submitted, press *Close
submissions* (team 1 then sends its plan again and must be told submissions are closed), run the
workshop, and download every handout in one zip.  Each step of each person is timed
(``RoomReport.steps``).  Memory is the resident set (and the proportional set, PSS) of the whole
server tree: Voila and its kernels, sampled while the room plays.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, isolated_env, start_server, stop
from room_client import TeamPage
from iopsim.workshop.serve import RoomServer, prepare

WAIT_MS = 600_000  # generous: thirty pages on two cores take minutes; play_room(wait_s=...) shortens it


@dataclass
class RoomReport:
    """What one played room measured."""

    ready_seconds: list[float] = field(default_factory=list)   # per team: link opened -> form shown
    errors: list[str] = field(default_factory=list)
    handouts: dict[str, bytes] = field(default_factory=dict)   # team -> the downloaded page
    zip_bytes: bytes = b""
    leaderboard_rows: int = 0
    peak_rss_mb: float = 0.0
    peak_pss_mb: float = 0.0
    peak_kernels: int = 0
    run_seconds: float = 0.0
    facilitator_text: str = ""                                   # the facilitator's list of teams, after the run
    steps: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # per person: (step, seconds)

    def summary(self) -> str:
        ready = sorted(self.ready_seconds) or [float("nan")]
        return (f"{len(self.ready_seconds)} pages ready; median {statistics.median(ready):.1f} s, slowest "
                f"{ready[-1]:.1f} s; "
                f"tournament {self.run_seconds:.0f} s; peak memory of the server tree {self.peak_rss_mb:.0f} MB "
                f"resident ({self.peak_pss_mb:.0f} MB proportional) with {self.peak_kernels} kernels; "
                f"{len(self.errors)} errors")


def start_room(tmp: Path, *, port: int, card: str = "hospital-closes", idle_minutes: float = 10,
               max_sessions: int = 40, warm_pages: int = 0, stories: bool = True):
    """Prepare a room in ``tmp`` as ``kit.py workshop`` does, start its Voila server on ``port``, wait for its warm pages."""
    server = prepare(card, folder=tmp / "room", port=port, idle_minutes=idle_minutes, max_sessions=max_sessions,
                     warm_pages=warm_pages, stories=stories)
    env = {**server.env, **isolated_env(tmp)}
    proc = start_server(server.command, port, env, tmp / "voila.log", cwd=tmp)
    if warm_pages and not wait_for_warm_pages(server, tmp / "voila.log", warm_pages, seconds=600):
        stop(proc)
        raise RuntimeError(f"the warm pages never got ready:\n{(tmp / 'voila.log').read_text()[-3000:]}")
    return server, proc


def wait_for_warm_pages(server: RoomServer, log: Path, count: int, *, seconds: float) -> bool:
    """Wait until ``count`` sessions have run their page and sit idle, as in a room that opens during the
    welcome.  (Voila logs its pool "filled" when the kernels have started, before their pages have run.)"""
    deadline, quiet = time.monotonic() + seconds, 0
    while quiet < 3:  # idle three polls running: not just between two cells
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
        ids = re.findall(r"Kernel started: ([0-9a-f-]+)", log.read_text(errors="replace"))
        idle = len(ids) >= count and all(_state(server, kernel_id) == "idle" for kernel_id in ids)
        quiet = quiet + 1 if idle else 0
    return True


def _state(server: RoomServer, kernel_id: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", f"/api/kernels/{kernel_id}?token={server.access_code}")
        return json.loads(connection.getresponse().read()).get("execution_state", "")
    except (OSError, ValueError):
        return ""
    finally:
        connection.close()


# ----------------------------------------------------------------------------- memory
def tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def memory_mb(pid: int) -> tuple[float, float, int]:
    """(resident MB, proportional MB, kernels) of the process tree under ``pid``."""
    rss = pss = 0.0
    kernels = 0
    for p in tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            rss += int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text()
            pss += int(next(line for line in rollup.splitlines() if line.startswith("Pss:")).split()[1]) / 1024
            kernels += b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()
        except (OSError, StopIteration, ValueError):
            continue
    return rss, pss, kernels


def kernel_count(pid: int) -> int:
    return memory_mb(pid)[2]


async def sample_memory(pid: int, report: RoomReport, stop: asyncio.Event) -> None:
    while not stop.is_set():
        rss, pss, kernels = memory_mb(pid)
        report.peak_rss_mb = max(report.peak_rss_mb, rss)
        report.peak_pss_mb = max(report.peak_pss_mb, pss)
        report.peak_kernels = max(report.peak_kernels, kernels)
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except asyncio.TimeoutError:
            pass


# ----------------------------------------------------------------------------- people
class BrowserPage:
    """A team page in a headless Chromium context, with the same steps as ``room_client.TeamPage``."""

    def __init__(self, context, page) -> None:
        self.context, self.page = context, page

    @classmethod
    async def open(cls, browser, link: str, *, timeout: float) -> "BrowserPage":
        context = await browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        opened = cls(context, page)
        opened.errors = []
        page.on("pageerror", lambda exc: opened.errors.append(f"page error {exc}"))
        await page.goto(link, timeout=timeout * 1000)
        await page.wait_for_selector(".ws-submit", timeout=timeout * 1000)  # the form is shown
        return opened

    async def set(self, dom_class: str, *, value: str) -> None:
        await self.page.fill(f".{dom_class} input", value)

    async def choose(self, label: str) -> None:
        await self.page.select_option(".ws-form select", label=label)

    async def click(self, dom_class: str) -> None:
        await self.page.click(f".{dom_class}")

    async def wait_for(self, dom_class: str, text: str, timeout: float) -> str:
        await self.page.wait_for_function(f"document.querySelector('.{dom_class}').innerText.includes({text!r})",
                                          timeout=timeout * 1000)
        return await self.page.inner_text(f".{dom_class}")

    async def download(self, dom_class: str) -> bytes:
        async with self.page.expect_download() as info:
            await self.page.click(f".{dom_class} a")
        body = await self.page.inner_text("body")
        if "Traceback" in body:
            raise RuntimeError("a traceback on the page")
        return Path(await (await info.value).path()).read_bytes()

    async def close(self) -> None:
        await self.context.close()


@dataclass
class PlayedRoom:
    """What the people in a played room share: the server, the report, and the moments they wait for."""

    server: RoomServer
    report: RoomReport
    wait_s: float
    closed: asyncio.Event = field(default_factory=asyncio.Event)     # the facilitator closed submissions
    refused: asyncio.Event = field(default_factory=asyncio.Event)    # team 1 saw a late plan refused
    ran: asyncio.Event = field(default_factory=asyncio.Event)        # the facilitator ran the workshop
    left: list = field(default_factory=list)                          # pages to close at the end

    def log(self, who: str, step: str, started: float) -> None:
        self.report.steps.setdefault(who, []).append((step, time.monotonic() - started))


async def team(room: PlayedRoom, number: int, browser=None) -> None:
    """One team: open the page, sign in, set a plan, submit, see a late plan refused (team 1), download."""
    name, wait = f"Team {number:02d}", room.wait_s
    step, started = "open", time.monotonic()
    try:
        page = await (BrowserPage.open(browser, room.server.team_link, timeout=wait) if browser is not None
                      else TeamPage.open(room.server.team_link, timeout=wait))
        room.left.append(page)
        room.report.ready_seconds.append(time.monotonic() - started)
        room.log(name, "page ready", started)
        step, started = "sign in", time.monotonic()
        await page.set("ws-team", value=name)
        await page.click("ws-sign-in")
        await page.wait_for("ws-status", "Signed in", wait)
        room.log(name, step, started)
        step, started = "plan", time.monotonic()
        if number % 2:
            await page.choose("walk in")
        if number == 1:  # one team looks before it submits: the one-run preview against the start
            await page.click("ws-check")
            await page.wait_for("ws-status", "One-run preview", wait)
        room.log(name, step, started)
        step, started = "submit", time.monotonic()
        await page.click("ws-submit")
        await page.wait_for("ws-status", "Submitted", wait)
        room.log(name, step, started)
        if number == 1:  # a plan sent after the facilitator closed submissions is refused, and says so
            await room.closed.wait()
            step, started = "late plan", time.monotonic()
            await page.click("ws-submit")
            await page.wait_for("ws-status", "Submissions are closed", wait)
            room.log(name, step, started)
            room.refused.set()
        await room.ran.wait()
        step, started = "handout", time.monotonic()
        await page.click("ws-handout")
        await page.wait_for("ws-download", "Download our results", wait)
        room.report.handouts[name] = await page.download("ws-download")
        room.log(name, step, started)
        room.report.errors += [f"{name}: {error}" for error in getattr(page, "errors", [])]
    except Exception as exc:  # noqa: BLE001  (a load test counts every failure, whatever it is)
        room.report.errors.append(f"{name} at {step}: {type(exc).__name__}: {exc}"[:500])
        room.refused.set()  # nobody waits for a team that failed


async def facilitator(room: PlayedRoom, browser, teams: int, reps: int) -> None:
    """Open the page with the facilitator's code, wait for every plan, close submissions, run, download all."""
    report, wait_ms = room.report, int(room.wait_s * 1000)
    context = await browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 720})
    room.left.append(context)  # closed with the teams' pages, so every session's idle time starts together
    page = await context.new_page()
    try:
        await page.goto(room.server.facilitator_link, timeout=wait_ms)
        await page.wait_for_selector(".ws-code input", timeout=wait_ms)
        await page.fill(".ws-code input", room.server.facilitator_code)
        await page.click(".ws-open")
        await page.wait_for_selector(".ws-run", timeout=wait_ms)
        await page.wait_for_function(f"document.querySelector('.ws-teams').innerText.includes("
                                     f"'{teams} teams: {teams} submitted')", timeout=wait_ms, polling=1000)
        await page.click(".ws-lock")  # the close button, as the facilitator presses it
        await page.wait_for_function("document.querySelector('.ws-teams').innerText.includes('Submissions are closed')",
                                     timeout=wait_ms, polling=500)
        room.closed.set()
        await asyncio.wait_for(room.refused.wait(), room.wait_s)
        await page.fill(".ws-reps input", str(reps))
        await page.press(".ws-reps input", "Enter")
        start = time.monotonic()
        await page.click(".ws-run")
        await page.wait_for_function("document.querySelector('.ws-status').innerText.includes('plans ran')",
                                     timeout=wait_ms, polling=1000)
        report.run_seconds = time.monotonic() - start
        report.leaderboard_rows = await page.locator("table.leaderboard tbody tr").count()
        report.facilitator_text = await page.inner_text(".ws-teams")
        room.ran.set()
        async with page.expect_download(timeout=wait_ms) as info:
            await page.click(".ws-downloads a")
        report.zip_bytes = Path(await (await info.value).path()).read_bytes()
    except Exception as exc:  # noqa: BLE001  (as above)
        report.errors.append(f"facilitator: {type(exc).__name__}: {exc}"[:500])
    finally:
        room.closed.set()
        room.ran.set()


async def play_room(server: RoomServer, server_pid: int, *, teams: int, reps: int = 2, arrive_s: float = 0.0,
                    wait_s: float = WAIT_MS / 1000, browsers: int | None = None) -> RoomReport:
    """Every team and the facilitator at once (team *n* arrives ``n * arrive_s`` seconds in); every page is
    closed at the end.  Teams 1..``browsers`` (default: all) use headless Chromium, the others
    ``room_client.TeamPage``; the facilitator uses Chromium.  ``wait_s``: the longest wait for any one step."""
    from playwright.async_api import async_playwright  # the test extra; only these tests drive a browser

    room, done = PlayedRoom(server, RoomReport(), wait_s), asyncio.Event()
    browsers = teams if browsers is None else browsers
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample_memory(server_pid, room.report, done))
        people = [_later(n * arrive_s, team(room, n, browser if n <= browsers else None))
                  for n in range(1, teams + 1)]
        await asyncio.gather(facilitator(room, browser, teams, reps), *people)
        done.set()
        await sampler
        for page in room.left:
            await page.close()
        await browser.close()
    return room.report


async def _later(seconds: float, job) -> None:
    await asyncio.sleep(seconds)
    await job


def wait_for_kernels(server_pid: int, most: int, seconds: float) -> float | None:
    """Seconds until the server holds at most ``most`` kernels, or None if more outlive ``seconds``."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if kernel_count(server_pid) <= most:
            return time.monotonic() - start
        time.sleep(0.5)
    return None

