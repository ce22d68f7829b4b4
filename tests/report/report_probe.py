"""A QA project with known outcomes, run with every report on (Allure results, JUnit XML, Cucumber JSON), and each
report read back in a form that leaves out what differs from run to run (times, uuids, hosts, worker ids).

Five scenarios on a simulator rig with no power switch: three pass (one plain, two outline rows), one fails, one is
skipped for the capability it needs. The project's conftest stands in for the pictures helper: after every step it
attaches a screen PNG through keybench.steps.allure_report.attach_file, as steps/screenshots.py does.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from support import write_rig

RIG = "sim-no-power"
OUTCOMES = {"passed": 3, "failed": 1, "skipped": 1}
FEATURE = """\
@pin
Feature: Report outcomes
  What the reports of a run must show, whatever runs it.

  Background:
    Given a device with the PIN "123456" and a 12-word wallet

  Scenario: Ready after set-up
    Then the device screen shows "Wallet ready"

  Scenario: The wrong lifecycle
    Then the device lifecycle is "PIN unset"
    And the device screen shows "Wallet ready"

  Scenario Outline: Ready either way
    Then the device screen shows "<text>"

    Examples:
      | text         |
      | Wallet ready |
      | Home         |

  @needs_power_cycle
  Scenario: Needs a power switch
    When the device is power cycled
    Then the device screen shows "5 attempts left"
"""
PICTURES_CONFTEST = '''
import re

import pytest
from PIL import Image, ImageDraw

from keybench.steps.allure_report import attach_file


@pytest.hookimpl(tryfirst=True)  # while allure-pytest-bdd still has the step open
def pytest_bdd_after_step(request, step):
    picture(request, step)


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request, step):
    picture(request, step)


def picture(request, step):
    """A 128x64 picture of the step's text, scaled 4x, attached to the step as the pictures helper does."""
    number = request.node.stash.setdefault(SHOTS, 0) + 1
    request.node.stash[SHOTS] = number
    folder = request.config.rootpath / "pictures" / re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    screen = Image.new("1", (128, 64), 0)
    ImageDraw.Draw(screen).text((2, 2), step.name[:20], fill=1)
    path = folder / f"{number:02d}.png"
    screen.resize((512, 256), Image.NEAREST).save(path)
    attach_file(path, f"screen after step {number}")


SHOTS = pytest.StashKey[int]()
'''


def report_project(folder: Path, feature: str = FEATURE) -> Path:
    """The project in `folder`: keybench as installed (its pytest11 entry point), no conftest line for it."""
    (folder / "features").mkdir(parents=True)
    (folder / "features" / "outcomes.feature").write_text(feature)
    (folder / "conftest.py").write_text(PICTURES_CONFTEST)
    write_rig(folder, RIG, "sim", ["debug_link", "factory_erase", "destructive"], {})
    return folder


def run_with_reports(folder: Path, *args: str, rig: str = f"{RIG}.toml", env: dict | None = None,
                     allure: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """pytest in the project with the three reports under out/ (Allure results in out/allure)."""
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(folder), "features",
               "--rig", rig, *(["--alluredir", "out/allure"] if allure else []), "--junitxml", "out/junit.xml",
               "--cucumber-report", "out/cucumber.json", "--evidence", "out/ev", *args]
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "KEYBENCH_RIG")}
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=timeout,
                          env={**clean, **(env or {})})


def allure_results(folder: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted((folder / "out" / "allure").glob("*-result.json"))]


def _attachment(folder: Path, attachment: dict) -> dict[str, str]:
    content = (folder / "out" / "allure" / attachment["source"]).read_bytes()
    return {"name": attachment["name"], "type": attachment["type"], "sha256": hashlib.sha256(content).hexdigest()}


def _step(folder: Path, step: dict) -> dict:
    return {"name": step["name"], "status": step["status"],
            "message": (step.get("statusDetails") or {}).get("message"),
            "attachments": [_attachment(folder, a) for a in step.get("attachments", [])],
            "steps": [_step(folder, inner) for inner in step.get("steps", [])]}


def comparable_allure(folder: Path) -> list[dict]:
    """Each scenario's result without its uuids, times, host, thread and the paths of its attachments; the
    attachments by name, type and a hash of their content."""
    shown = []
    for result in allure_results(folder):
        shown.append({
            "fullName": result["fullName"], "name": result["name"], "status": result["status"],
            "message": (result.get("statusDetails") or {}).get("message"),
            "labels": sorted((label["name"], label["value"]) for label in result["labels"]
                             if label["name"] not in ("host", "thread")),
            "parameters": [(p["name"], p["value"]) for p in result.get("parameters", [])],
            "historyId": result.get("historyId"), "testCaseId": result.get("testCaseId"),
            "steps": [_step(folder, step) for step in result.get("steps", [])],
            "attachments": [_attachment(folder, a) for a in result.get("attachments", [])]})
    return sorted(shown, key=lambda result: (result["fullName"], result["parameters"]))


def comparable_junit(folder: Path) -> dict:
    """Test case -> its properties and outcome (failure, skip) with their messages; no times, host or suite sums."""
    root = ET.parse(folder / "out" / "junit.xml").getroot()
    cases = {}
    for case in root.iter("testcase"):
        properties = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        outcomes = [(child.tag, child.get("message")) for child in case if child.tag in ("failure", "skipped", "error")]
        cases[(case.get("classname"), case.get("name"))] = {"properties": properties, "outcomes": outcomes}
    return cases


def junit_totals(folder: Path) -> dict[str, int]:
    suite = ET.parse(folder / "out" / "junit.xml").getroot().find("testsuite")
    return {key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")}


def comparable_cucumber(folder: Path) -> list[dict]:
    report = json.loads((folder / "out" / "cucumber.json").read_text())
    for feature in report:
        for element in feature["elements"]:
            element.pop("start_timestamp", None)
            for step in element["steps"]:
                step["result"].pop("duration", None)
    return report
