"""The scenario lab in a real browser, as a program director uses it to decide (Playwright, Chromium).

Served as `python3 kit.py app` serves it (the fixtures of tests/test_browser.py).  One test walks
the decision: a value out of range refused in words, four alternatives compared side by side within
a 1280 px window, the report printed to PDF (at most six A4 pages), what limits the program; the
other times a full-size comparison of four scenarios to verdict precision and records the figure
in test-artifacts/lab-timings.json (a figure, not a pass mark: speed is the benchmark's to judge,
benchmarks/bench_lab.py).  Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import re
import time

from browser_helpers import ARTIFACTS
from iopsim.core.scenario import Scenario
from test_browser import TIMEOUT_MS, enter, lab_url, wait_text  # noqa: F401  (fixtures)

MAX_PAGES = 6
WIDTH = 1280
FIRST_LOAD_MS = 180_000  # the kernel's start and imports: slow on a busy shared machine, not the lab's doing


def add_to_shelf(page, name: str) -> None:
    page.get_by_role("tab", name="Compare scenarios").click()
    page.fill(".iop-compare-name input", name)
    page.click(".iop-compare-add")
    wait_text(page, ".iop-message", f"'{name}'")


def set_field(page, tab: str, css: str, value: str) -> None:
    page.get_by_role("tab", name=tab, exact=True).click()
    enter(page, css, value)


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_lab_refuses_bad_values_compares_four_alternatives_and_prints_a_short_report(browser, lab_url, tmp_path):
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    page.goto(lab_url, timeout=FIRST_LOAD_MS)
    page.wait_for_selector(".iop-run", timeout=FIRST_LOAD_MS)
    assert page.get_attribute(".iop-upload", "title") not in (None, "", "null")
    set_field(page, "Run", ".iop-f-run-horizon_days", "60")
    enter(page, ".iop-f-run-warm_up_days", "14")
    enter(page, ".iop-reps", "2")
    enter(page, ".iop-max-reps", "4")

    rate = Scenario().referrals.per_week
    set_field(page, "Demand", ".iop-f-referrals-per_week", "900")
    page.click(".iop-run")
    wait_text(page, ".iop-message", "got 900")
    assert "Demand > Per week" in page.inner_text(".iop-message")
    assert "allowed: a number from 0 to 500" in page.inner_text(".iop-message")
    assert page.input_value(".iop-f-referrals-per_week input") == "900"  # not clamped to 500
    page.screenshot(path=ARTIFACTS / "lab-refused-value.png")
    enter(page, ".iop-f-referrals-per_week", f"{rate:g}")

    add_to_shelf(page, "today")  # then four alternatives, each adding one change to the one before
    set_field(page, "Staff", ".iop-f-staff-iop_counsellors", "2")
    add_to_shelf(page, "two counsellors")
    set_field(page, "Demand", ".iop-f-referrals-per_week", f"{rate * 1.5:g}")
    add_to_shelf(page, "and busier")
    set_field(page, "Tracks and schedule", ".iop-f-tracks-tracks-1-groups", "2")
    add_to_shelf(page, "and a second evening group")
    enter(page, ".iop-f-tracks-tracks-0-group_cap", "8")
    add_to_shelf(page, "and day groups of 8")
    remove = page.locator(".iop-shelf-remove").first
    assert remove.evaluate("b => b.scrollWidth <= b.clientWidth")  # "remove" in full, not "r…"
    page.click(".iop-compare")
    wait_text(page, ".iop-compare-text", "and day groups of 8 (")
    verdicts = page.inner_text(".iop-compare-text")
    for change in ("Staff: IOP counsellors 4 → 2", "Evening track: groups 1 → 2", "Day track: group cap 12 → 8"):
        assert change in verdicts.split("and day groups of 8 (")[1].split(":", 1)[1], change
    table = page.locator(".iop-compare-table table")
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box  # five scenario columns, no scrolling
    assert page.locator(".iop-compare-table .iop-scroll").evaluate("d => d.scrollWidth <= d.clientWidth")
    assert "staff.iop_counsellors" not in verdicts and "tracks.tracks" not in verdicts
    page.locator(".iop-compare-table").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "lab-compare-four.png")

    page.click(".iop-compare-report")
    page.wait_for_selector(".iop-downloads a[download='report.html']", timeout=TIMEOUT_MS)
    with page.expect_download() as download:
        page.click(".iop-downloads a[download='report.html']")
    report = tmp_path / "report.html"
    download.value.save_as(report)
    printed = browser.new_page()
    printed.goto(report.as_uri())
    pdf = printed.pdf(format="A4")
    printed.close()
    (ARTIFACTS / "lab-compare-report.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) <= MAX_PAGES, f"{pdf_pages(pdf)} A4 pages for four alternatives"

    page.get_by_role("tab", name="What limits you").click()
    page.click(".iop-limits")
    wait_text(page, ".iop-limits-answer", "this program")
    answer = page.inner_text(".iop-limits-answer")
    assert "IOP counsellor caseloads" in answer and "One step more" in answer
    page.locator(".iop-outputs").screenshot(path=ARTIFACTS / "lab-what-limits.png")
    assert "Traceback" not in page.inner_text("body")
    page.close()


def test_time_to_compare_four_full_size_scenarios_to_verdict_precision(browser, lab_url):
    page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
    page.goto(lab_url, timeout=FIRST_LOAD_MS)
    page.wait_for_selector(".iop-run", timeout=FIRST_LOAD_MS)
    base = Scenario()
    add_to_shelf(page, "today")
    set_field(page, "Demand", ".iop-f-referrals-per_week", f"{base.referrals.per_week * 1.2:g}")
    add_to_shelf(page, "referrals +20%")
    page.click(".iop-reset")
    set_field(page, "Staff", ".iop-f-staff-iop_counsellors", str(base.staff.iop_counsellors + 1))
    add_to_shelf(page, "one more counsellor")
    page.click(".iop-reset")
    set_field(page, "Tracks and schedule", ".iop-f-tracks-tracks-1-groups", "2")
    add_to_shelf(page, "second evening group")
    started = time.perf_counter()
    page.click(".iop-compare")
    wait_text(page, ".iop-status", "Done")
    seconds = time.perf_counter() - started
    status = page.inner_text(".iop-status")
    page.locator(".iop-compare-text").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "lab-compare-full-size.png")
    page.close()
    record = {"four scenarios to verdict precision, seconds in the browser": round(seconds, 1), "status": status}
    (ARTIFACTS / "lab-timings.json").write_text(json.dumps(record, indent=2) + "\n")
    print(record)
    assert "second evening group" in status or "4 scenarios compared" in status
