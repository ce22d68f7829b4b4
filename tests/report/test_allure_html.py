"""The Allure HTML report (scripts/report, Allure 3 from npm) opened from disk in a real headless Chromium.

The probe run's report must show the run's counts (3 passed, 1 failed, 1 skipped, no broken), its environment and,
in a scenario's step, the screen picture attached to it, loaded and drawn by the browser. Screenshots of the report
are kept in build/test-output/ (allure-report.png, allure-report-step.png). Chromium is Debian's (scripts/setup.sh:
kb_report_tools --browser), driven by Playwright's Python API, which brings no browser of its own here.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from report_probe import OUTCOMES
from support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Headless with no background network traffic: this machine's network is closed, and the report needs none.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "build" / "test-output"  # allure-report.png (the summary), allure-report-step.png (a step)
WAIT_MS = 60_000  # every wait on the page is for an element, bounded by this (two busy cores: generous)


@pytest.fixture(scope="module")
def rendered_report(serial_reports, tmp_path_factory) -> Path:
    folder, _ = serial_reports
    output = tmp_path_factory.mktemp("html") / "report"
    result = subprocess.run([shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / "report"),
                             str(folder / "out" / "allure"), str(output)], cwd=ROOT, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"keybench: Allure report: {output}/index.html" in result.stdout
    return output / "index.html"


@pytest.fixture
def page():
    assert CHROMIUM.is_file(), "Debian's chromium is not installed: source scripts/setup.sh; kb_report_tools --browser"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def shown_counts(page) -> dict[str, int]:
    """The report's own summary: status -> count; a status with no test is not shown at all."""
    page.wait_for_selector("[data-testid=metadata-item-total]")
    counts = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-testid^="metadata-item-"]')]
        .map(item => [item.dataset.testid, item.querySelector('[data-testid=metadata-value]')?.textContent])
        .filter(([, value]) => value !== undefined))""")
    return {name.removeprefix("metadata-item-"): int(value) for name, value in counts.items()}


def test_the_report_opens_from_disk_with_the_runs_counts_and_a_steps_screen_picture(rendered_report, page):
    assert [path.name for path in rendered_report.parent.iterdir() if path.suffix == ".html"] == ["index.html"]
    page.goto(rendered_report.as_uri())  # file://: one self-contained file, no server
    assert shown_counts(page) == {"total": sum(OUTCOMES.values()), **OUTCOMES}  # no broken: none is shown
    for fact in ("rig", "target", "firmware version", "device serial", "rig seed"):  # environment.properties
        assert page.get_by_text(fact, exact=True).count() == 1, fact
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "allure-report.png"), full_page=True)

    page.get_by_text("Ready after set-up", exact=True).click()
    page.get_by_text('Then the device screen shows "Wallet ready"').click()
    page.get_by_text("screen after step 2").click()
    picture = page.locator("[data-testid=image-attachment-content] img, img[data-testid=image-attachment-content]")
    picture.first.wait_for(state="visible")
    drawn = picture.first.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
    assert drawn == [True, 512, 256], drawn  # the PNG the step attached, decoded by the browser
    page.screenshot(path=str(SCREENSHOTS / "allure-report-step.png"), full_page=True)
    print(f"screenshots of the report: {SCREENSHOTS}/allure-report.png, {SCREENSHOTS}/allure-report-step.png")


def test_the_report_files_failures_under_keybenchs_categories(rendered_report, page):
    page.goto(rendered_report.as_uri())
    page.locator("[data-testid=nav-tab-categories]").click()
    page.get_by_text("Product failures").first.wait_for(state="visible")
    assert page.get_by_text("Bench errors (the rig, not the product, failed)").count() == 0  # none in this run


def test_report_refuses_a_folder_without_results(tmp_path):
    result = subprocess.run([shutil.which("bash") or "/bin/bash", str(ROOT / "scripts" / "report"), str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith(f"keybench: no Allure results in {tmp_path} ")
