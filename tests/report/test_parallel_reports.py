"""`-n 2` writes every report complete and identical in content to a serial run's (issue 10): the Cucumber JSON
(steps/cucumber.py merges the workers' scenarios), the JUnit XML (pytest's, with each scenario's rig facts as
properties, carried from the workers) and the Allure results (each worker writes its own files into one folder;
the controller writes environment.properties and categories.json). Compared without times, uuids, hosts and
worker ids; the attachments by content."""
from __future__ import annotations

import shutil
from pathlib import Path

from report_probe import (OUTCOMES, allure_results, comparable_allure, comparable_cucumber, comparable_junit,
                          junit_totals, report_project, run_with_reports)
from support import ROOT

SCENARIOS = sum(OUTCOMES.values())


def test_two_xdist_workers_write_the_reports_a_serial_run_writes(serial_reports, tmp_path):
    serial, _ = serial_reports
    parallel = report_project(tmp_path)
    result = run_with_reports(parallel, "-q", "-n", "2")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 failed, 3 passed, 1 skipped" in result.stdout

    threads = {label["value"] for r in allure_results(parallel) for label in r["labels"] if label["name"] == "thread"}
    assert len(threads) == 2, threads  # both workers ran scenarios: the merge was needed

    cucumber = comparable_cucumber(parallel)
    assert sum(len(feature["elements"]) for feature in cucumber) == SCENARIOS
    assert cucumber == comparable_cucumber(serial)

    junit = comparable_junit(parallel)
    assert len(junit) == SCENARIOS and junit_totals(parallel) == junit_totals(serial) == {
        "tests": SCENARIOS, "failures": OUTCOMES["failed"], "errors": 0, "skipped": OUTCOMES["skipped"]}
    for case, shown in junit.items():
        names = [name for name, _ in shown["properties"]]
        assert {"rig", "target"} <= set(names), case
        if not shown["outcomes"] or shown["outcomes"][0][0] != "skipped":
            assert {"firmware_version", "device_serial", "seed"} <= set(names), case
    assert junit == comparable_junit(serial)

    allure = comparable_allure(parallel)
    assert len(allure) == SCENARIOS and allure == comparable_allure(serial)
    for name in ("environment.properties", "categories.json"):
        assert (parallel / "out" / "allure" / name).read_text() == (serial / "out" / "allure" / name).read_text()


def repository_suites(folder: Path) -> Path:
    """Every feature suite of the repository, with its golden screens, in a folder of its own: both runs then write
    the same relative paths (evidence folders) into their reports."""
    shutil.copytree(ROOT / "features", folder / "features")
    return folder


def test_the_repositorys_suites_under_two_workers_report_what_a_serial_run_reports(tmp_path):
    """The same on the real suites (sim rig), every scenario passing with its screen pictures attached. The rig
    seed makes every scenario reproducible (the device's and the app's randomness), so even the attachments'
    contents are equal."""
    runs = {}
    for name, args in (("serial", ()), ("parallel", ("-n", "2"))):
        folder = repository_suites(tmp_path / name)
        result = run_with_reports(folder, "-q", *args, rig="sim")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        runs[name] = folder
    serial, parallel = runs["serial"], runs["parallel"]
    scenarios = len(allure_results(serial))
    assert scenarios > 50 and {r["status"] for r in allure_results(serial)} == {"passed"}
    pictures = [a for r in allure_results(serial) for step in r["steps"] for a in step.get("attachments", [])
                if a["type"] == "image/png"]
    assert len(pictures) >= scenarios  # every scenario shows at least one screen
    assert comparable_cucumber(parallel) == comparable_cucumber(serial)
    assert len(comparable_junit(serial)) == scenarios and comparable_junit(parallel) == comparable_junit(serial)
    assert comparable_allure(parallel) == comparable_allure(serial)
