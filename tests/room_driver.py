"""Drive a served workshop room as a room of people would: teams in their own browser contexts, the
facilitator in another, all on 127.0.0.1.  Used by tests/test_workshop_server.py (a few teams) and
benchmarks/bench_workshop_room.py (thirty).

    server, proc = start_room(tmp, port=free_port(), idle_minutes=0.2)
    report = asyncio.run(play_room(server, teams=4, downloads=tmp / "downloads"))
    stop(proc)

Each team: open the team link (page ready = the form's Submit button shown: timed), sign in,
odd teams switch the assessment to walk-in, the first checks its plan (a one-run preview),
submit, and, once the facilitator has run the workshop, download its handout.  The facilitator: open the page, give the facilitator's code,
wait until every team has submitted, run the workshop, and download every handout in one zip.
Memory is the resident set (and the proportional set, PSS) of the whole server tree: Voila and
its kernels, sampled while the room plays.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, isolated_env, start_server
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

    def summary(self) -> str:
        ready = sorted(self.ready_seconds) or [float("nan")]
        return (f"{len(self.ready_seconds)} pages ready; median {statistics.median(ready):.1f} s, slowest "
                f"{ready[-1]:.1f} s; "
                f"tournament {self.run_seconds:.0f} s; peak memory of the server tree {self.peak_rss_mb:.0f} MB "
                f"resident ({self.peak_pss_mb:.0f} MB proportional) with {self.peak_kernels} kernels; "
                f"{len(self.errors)} errors")


def start_room(tmp: Path, *, port: int, card: str = "hospital-closes", idle_minutes: float = 10,
               max_sessions: int = 40, stories: bool = True):
    """Prepare a room in ``tmp`` as ``kit.py workshop`` does and start its Voila server on ``port``."""
    server = prepare(card, folder=tmp / "room", port=port, idle_minutes=idle_minutes, max_sessions=max_sessions,
                     stories=stories)
    env = {**server.env, **isolated_env(tmp)}
    proc = start_server(server.command, port, env, tmp / "voila.log", cwd=tmp)
    return server, proc


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
async def team(browser, server: RoomServer, number: int, report: RoomReport, ran: asyncio.Event,
               left: list, wait_ms: int) -> None:
    name = f"Team {number:02d}"
    context = await browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda exc: report.errors.append(f"{name}: page error {exc}"))
    try:
        start = time.monotonic()
        await page.goto(server.team_link, timeout=wait_ms)
        await page.wait_for_selector(".ws-submit", timeout=wait_ms)
        report.ready_seconds.append(time.monotonic() - start)
        await page.fill(".ws-team input", name)
        await page.click(".ws-sign-in")
        await page.wait_for_function("document.querySelector('.ws-status').innerText.includes('Signed in')",
                                     timeout=wait_ms)
        if number % 2:
            await page.select_option(".ws-form select", label="walk in")
        if number == 1:  # one team looks before it submits: the one-run preview against the start
            await page.click(".ws-check")
            await page.wait_for_function("document.querySelector('.ws-status').innerText.includes('One-run preview')",
                                         timeout=wait_ms)
        await page.click(".ws-submit")
        await page.wait_for_function("document.querySelector('.ws-status').innerText.includes('Submitted')",
                                     timeout=wait_ms)
        await ran.wait()
        await page.click(".ws-handout")
        link = page.locator(".ws-download-link")
        await link.wait_for(timeout=wait_ms)
        async with page.expect_download(timeout=wait_ms) as info:
            await link.click()
        download = await info.value
        report.handouts[name] = Path(await download.path()).read_bytes()
        body = await page.inner_text("body")
        if "Traceback" in body:
            report.errors.append(f"{name}: a traceback on the page")
    except Exception as exc:  # noqa: BLE001  (a load test counts every failure, whatever it is)
        report.errors.append(f"{name}: {type(exc).__name__}: {exc}"[:500])
    finally:
        left.append(context)


async def facilitator(browser, server: RoomServer, teams: int, reps: int, report: RoomReport,
                      ran: asyncio.Event, left: list, wait_ms: int) -> None:
    context = await browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    try:
        await page.goto(server.facilitator_link, timeout=wait_ms)
        await page.wait_for_selector(".ws-code input", timeout=wait_ms)
        await page.fill(".ws-code input", server.facilitator_code)
        await page.click(".ws-open")
        await page.wait_for_selector(".ws-run", timeout=wait_ms)
        await page.wait_for_function(f"document.querySelector('.ws-teams').innerText.includes("
                                     f"'{teams} teams: {teams} submitted')", timeout=wait_ms, polling=1000)
        await page.fill(".ws-reps input", str(reps))
        await page.press(".ws-reps input", "Enter")
        start = time.monotonic()
        await page.click(".ws-run")
        await page.wait_for_function("document.querySelector('.ws-status').innerText.includes('plans ran')",
                                     timeout=wait_ms, polling=1000)
        report.run_seconds = time.monotonic() - start
        report.leaderboard_rows = await page.locator("table.leaderboard tbody tr").count()
        ran.set()
        async with page.expect_download(timeout=wait_ms) as info:
            await page.click(".ws-downloads a")
        report.zip_bytes = Path(await (await info.value).path()).read_bytes()
    except Exception as exc:  # noqa: BLE001  (as above)
        report.errors.append(f"facilitator: {type(exc).__name__}: {exc}"[:500])
        ran.set()
    finally:
        left.append(context)  # closed with the teams' pages, so every session's idle time starts together


async def play_room(server: RoomServer, server_pid: int, *, teams: int, reps: int = 2, arrive_s: float = 0.0,
                    wait_s: float = WAIT_MS / 1000) -> RoomReport:
    """Every team and the facilitator at once (team *n* arrives ``n * arrive_s`` seconds in); every page is
    closed at the end.  ``wait_s``: the longest wait for any one step."""
    wait_ms = int(wait_s * 1000)
    from playwright.async_api import async_playwright  # the test extra; only these tests drive a browser

    report, ran, stop = RoomReport(), asyncio.Event(), asyncio.Event()
    left: list = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sampler = asyncio.create_task(sample_memory(server_pid, report, stop))
        people = [_later(n * arrive_s, team(browser, server, n, report, ran, left, wait_ms))
                  for n in range(1, teams + 1)]
        await asyncio.gather(facilitator(browser, server, teams, reps, report, ran, left, wait_ms), *people)
        stop.set()
        await sampler
        for context in left:
            await context.close()
        await browser.close()
    return report


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

