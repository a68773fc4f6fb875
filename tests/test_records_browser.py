"""The lab's "Start from your records" tab in a real browser: the example records are taken, fitted,
the fitted scenario put on the form and run (served as `python3 kit.py app` serves the lab)."""

from __future__ import annotations

from browser_helpers import ARTIFACTS
from test_browser import TIMEOUT_MS, enter, lab_url, wait_text  # noqa: F401 - shared fixtures


def test_records_tab_fit_the_example_load_it_and_run(browser, lab_url):  # noqa: F811 - fixtures
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(lab_url, timeout=TIMEOUT_MS)
    page.wait_for_selector(".iop-run", timeout=TIMEOUT_MS)
    enter(page, ".iop-reps", "2")
    page.get_by_role("tab", name="Start from your records").click()
    page.click(".iop-records-example")
    wait_text(page, ".iop-message", "episodes")
    page.click(".iop-records-fit")
    wait_text(page, ".iop-records-text", "figures from the records lie within")
    page.wait_for_selector(".iop-records-charts img", timeout=TIMEOUT_MS)
    page.wait_for_selector(".iop-downloads a[download='fit_report.html']", timeout=TIMEOUT_MS)
    page.locator(".iop-outputs").screenshot(path=ARTIFACTS / "lab-records.png")

    page.click(".iop-records-load")
    wait_text(page, ".iop-message", "The form now shows 'Fitted to program records'")
    page.get_by_role("tab", name="Run").click()
    enter(page, ".iop-f-run-horizon_days", "60")
    enter(page, ".iop-f-run-warm_up_days", "14")
    page.click(".iop-run")
    wait_text(page, ".iop-results-text", "Results for 'Fitted to program records': 2 replications")
    assert "Traceback" not in page.inner_text("body")
    page.close()
