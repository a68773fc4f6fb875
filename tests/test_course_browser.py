"""The course in a real browser: JupyterLab as `kit.py lab` starts it, a notebook used by keyboard only,
and the time-lapse played.

JupyterLab is started with kit.py's own options and settings overrides on a temporary copy of the
course notebooks; notebook 02 is served by Voila (its widgets, no code) and driven with Tab, the
arrow keys and Enter only.  Each panel answer's time (key press to first chart, and to the
refined one, as the page itself notes them) is written to test-artifacts/course-response-times.json
and printed; the figures belong to benchmarks, so no test fails on them.  Notebook 01's Play button
must move the time-lapse on, day and picture.  Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from browser_helpers import ARTIFACTS, ROOT, free_port, isolated_env, need_browser, start_server, stop

sys.path.insert(0, str(ROOT))
import kit  # noqa: E402  (JupyterLab's options come from the command the README documents)

TIMEOUT_MS = 240_000  # the notebook runs its sweep when the page opens, on a shared 2-core machine
COURSE = sorted((ROOT / "notebooks").glob("0[0-5]_*.ipynb"))


def copy_course(folder: Path) -> Path:
    folder.mkdir()
    for notebook in COURSE:
        shutil.copy(notebook, folder)
    return folder


def test_jupyterlab_opens_on_notebook_00_without_a_news_pop_up(browser, tmp_path):
    need_browser()
    folder = copy_course(tmp_path / "notebooks")
    settings = tmp_path / "lab-settings"
    settings.mkdir()
    (settings / "overrides.json").write_text(json.dumps(kit.LAB_OVERRIDES))
    port, token = free_port(), "iopsim-course"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={token}", "--allow-root",
           f"--LabApp.app_settings_dir={settings}", *kit.LAB_OPTIONS]
    server = start_server(cmd, port, isolated_env(tmp_path), tmp_path / "jupyterlab.log", cwd=folder)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/?token={token}", timeout=TIMEOUT_MS)
        page.wait_for_selector(".jp-Notebook", timeout=TIMEOUT_MS)
        page.locator(".lm-TabBar-tab", has_text="00_start_here.ipynb").first.wait_for(timeout=TIMEOUT_MS)
        page.wait_for_timeout(3000)  # the news question, when asked, comes a moment after the page
        page.screenshot(path=ARTIFACTS / "course-jupyterlab-opens-on-00.png")
        assert page.url.split("?")[0].endswith("/lab/tree/00_start_here.ipynb")
        body = page.inner_text("body")
        assert "official Jupyter news" not in body and "Launcher" not in page.locator(".lm-TabBar-tab").all_inner_texts()
        page.close()
    finally:
        stop(server)


SMALL = {"REPS": 2, "SWEEP_REPS": 2, "ENGAGE_REPS": 2, "RATES": [4, 12]}  # the page's own runs, kept short


def shrink(notebook: Path, values: dict) -> None:
    """Set the settings cell (tagged ``parameters``) of a copied notebook to `values`, as papermill would."""
    data = json.loads(notebook.read_text())
    cell = next(c for c in data["cells"] if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = "".join(cell["source"]) + "\n" + "\n".join(f"{k} = {v!r}" for k, v in values.items())
    notebook.write_text(json.dumps(data))


def serve_notebook(tmp_path_factory, notebook: str, settings: dict):
    """One course notebook served by Voila from a temporary copy with `settings` shrunk in; yields its URL."""
    need_browser()
    tmp = tmp_path_factory.mktemp("voila-course")
    folder = copy_course(tmp / "notebooks")
    shrink(folder / notebook, settings)
    port = free_port()
    cmd = [sys.executable, "-m", "voila", folder / notebook, "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext"]
    server = start_server(cmd, port, isolated_env(tmp), tmp / "voila.log", cwd=folder)
    yield f"http://127.0.0.1:{port}/"
    stop(server)


@pytest.fixture(scope="module")
def course_02(tmp_path_factory):
    """Notebook 02, with small runs."""
    yield from serve_notebook(tmp_path_factory, "02_capacity_and_waiting.ipynb", SMALL)


def focus_by_tab(page, test: str, limit: int = 80) -> int:
    """Press Tab until the focused element passes `test` (a JavaScript function of it); the presses taken."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return !!e && ({test})(e); }})()"):
            return presses
    raise AssertionError(f"Tab never reached the element ({test})")


WHEN_SHOWN = """answers => {
    // When each text first shows on the page, in ms from now: noted by the page itself as it changes, so the
    // first estimate is seen even if the refined answer replaces it before a test could look again.
    const start = performance.now();
    window.iopsimShown = {};
    const look = () => {
        const text = document.body.innerText;
        for (const [name, words] of Object.entries(answers))
            if (window.iopsimShown[name] === undefined && text.includes(words)) window.iopsimShown[name] = performance.now() - start;
    };
    new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def test_notebook_02_by_keyboard_only_with_named_controls(browser, course_02):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(course_02, timeout=TIMEOUT_MS, wait_until="commit")
    summary = page.get_by_text("Change a setting above, then press Run").first
    summary.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("The hockey stick").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("If nothing happens when you use Check").first.wait_for(timeout=TIMEOUT_MS)  # the last cell: the kernel is free

    # every slider handle and button of the course panel has an accessible name
    unnamed = page.evaluate("""() => [...document.querySelectorAll('.noUi-handle, button')]
        .filter(e => !(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.title
                       || e.innerText.trim()))
        .map(e => e.outerHTML.slice(0, 80))""")
    assert not unnamed, unnamed

    # Tab to the "Evening groups" slider of the first panel, one step right, Tab to Run, Enter
    focus_by_tab(page, "e => e.classList.contains('noUi-handle') && "
                       "e.closest('.widget-slider').innerText.includes('Evening groups')")
    page.keyboard.press("ArrowRight")
    readout = page.evaluate("() => document.activeElement.closest('.widget-slider').querySelector('.widget-readout')"
                            ".innerText")
    assert readout.strip() == "2"
    focus_by_tab(page, "e => e.tagName === 'BUTTON' && e.innerText.trim() === 'Run'")
    panel = "The built-in program and yours ("  # this panel's summary (section 3's chart has its own)
    answers = {"first": panel + "a first estimate from 1 replication",
               "refined": panel + f"{SMALL['REPS']} replications each, on the same clients"}
    page.evaluate(WHEN_SHOWN, answers)
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.iopsimShown.refined !== undefined", timeout=TIMEOUT_MS)
    shown = page.evaluate("() => window.iopsimShown")
    assert "first" in shown, "the first estimate never showed on its own"
    first, refined = shown["first"] / 1000, shown["refined"] / 1000
    page.screenshot(path=ARTIFACTS / "course-02-by-keyboard.png", full_page=True)
    text = page.inner_text("body")
    assert "Traceback" not in text and "Error displaying widget" not in text
    assert "evening" in text.lower()
    times = {"notebook": "02_capacity_and_waiting", "panel": "capacity", "first_chart_s": round(first, 2),
             "refined_s": round(refined, 2)}
    (ARTIFACTS / "course-response-times.json").write_text(json.dumps(times, indent=1) + "\n")
    print(f"\ncourse panel response in the browser: first chart {first:.2f} s, refined {refined:.2f} s")
    page.close()


@pytest.fixture(scope="module")
def course_01(tmp_path_factory):
    """Notebook 01, with a short year (fewer days to lay out)."""
    yield from serve_notebook(tmp_path_factory, "01_follow_one_client.ipynb", {"HORIZON_DAYS": 60})


TIME_LAPSE_DAY = """() => {
    const line = [...document.querySelectorAll('.widget-html')].map(e => e.innerText)
        .find(t => /^Day \\d+ \\(/.test(t.trim()));
    return line ? parseInt(line.trim().slice(4)) : null;
}"""
"""The day the time-lapse's summary line shows (written by the kernel with each new picture), or null."""


def test_notebook_01_time_lapse_plays_day_after_day(browser, course_01):
    start = time.monotonic()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(course_01, timeout=TIMEOUT_MS, wait_until="commit")
    page.wait_for_function(f"() => ({TIME_LAPSE_DAY})() !== null", timeout=TIMEOUT_MS)
    ready = time.monotonic() - start
    first_day = page.evaluate(TIME_LAPSE_DAY)
    picture = page.locator("img.widget-image").first  # the time-lapse is the page's one Image widget
    first_picture = picture.get_attribute("src")
    play = page.get_by_role("button", name="Play", exact=True)  # the accessible name session.start gives it
    play.click()
    page.wait_for_function(f"() => ({TIME_LAPSE_DAY})() >= {first_day + 3}", timeout=30_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    played = time.monotonic() - start - ready
    later_day = page.evaluate(TIME_LAPSE_DAY)
    slider_day = int(page.locator(".widget-play").locator("xpath=..").locator(".widget-readout").first.inner_text())
    page.screenshot(path=ARTIFACTS / "course-01-time-lapse-played.png", full_page=True)
    assert later_day >= first_day + 3 and slider_day >= later_day  # the slider leads, the picture follows it
    assert picture.get_attribute("src") != first_picture  # a new picture, not only a new number
    text = page.inner_text("body")
    assert "Traceback" not in text and "Error displaying widget" not in text
    print(f"\ntime-lapse in the browser: page ready {ready:.1f} s, day {first_day} to {later_day} in {played:.1f} s")
    page.close()
