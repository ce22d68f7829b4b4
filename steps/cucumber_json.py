"""The Cucumber JSON pieces of keybench's report: features, scenario elements, step results, error messages.

The shape is the one cucumber-jvm writes and report viewers read (tests/vectors/cucumber-jvm-schema.json). Nothing
here touches pytest's run state: steps/cucumber.py gathers what happened and calls these with plain values.
"""
from __future__ import annotations

import base64
import re
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pytest_bdd.gherkin_parser import get_gherkin_document
from pytest_bdd.parser import Scenario, Step

PASSED, FAILED, SKIPPED, UNDEFINED = "passed", "failed", "skipped", "undefined"
RUNNING = "running"  # a step that started and neither finished nor raised an Exception (a skip, an exit)

# The facts steps/plugin.py puts in a scenario's user_properties, and how the report names them.
RIG_FACTS = {"rig": "rig", "target": "target", "firmware_version": "firmware version",
             "device_serial": "device serial", "seed": "seed", "evidence": "evidence", "bench_error": "bench error"}
FACT_TAGS = {"rig": "rig", "target": "target", "firmware_version": "firmware", "device_serial": "serial",
             "seed": "seed"}
MAX_MESSAGE = 4000  # a message is for reading in a viewer; a longer one is cut, saying so


@dataclass
class StepRun:
    """What happened to one step: its status, how long it took, why it failed or was skipped."""
    status: str
    started: float = 0.0
    duration: float = 0.0  # seconds
    error_message: str | None = None
    location: str | None = None  # where the step's definition is, "steps/pin_steps.py:42"


def slug(text: str) -> str:
    return re.sub(r"\s+", "-", text.strip().lower())


def tag_value(value: object) -> str:
    """A tag cannot hold white space: a serial or version with spaces keeps its words, joined by '_'."""
    return re.sub(r"\s+", "_", str(value).strip()) or "-"


def short_path(filename: str, roots: tuple[Path, ...]) -> str | None:
    """`filename` relative to the first root holding it, or None when it is not keybench's or the project's code
    (installed packages, pytest, pluggy, pytest-bdd, the standard library, a virtualenv inside the project)."""
    path = Path(filename).resolve()
    if {"site-packages", "dist-packages"} & set(path.parts):
        return None
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return None


def error_message(exc: BaseException, roots: tuple[Path, ...]) -> str:
    """The exception's own message, then the traceback through keybench and step code only.

    pytest's rewritten asserts append a value-by-value explanation after an assert's message; the message is what
    the project wrote for QA (and keeps secrets out), so when there is one the explanation is left off. Frames carry
    file, line, function and source line, never local values.
    """
    text = str(exc)
    if isinstance(exc, AssertionError) and "\nassert " in text:
        written = text.split("\nassert ", 1)[0]
        text = written if written.strip() else text
    lines = [f"{type(exc).__name__}: {text}" if text else type(exc).__name__]
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is not None:
        lines.append(f"caused by {type(cause).__name__}: {cause}")
    frames = [(shown, frame) for frame in traceback.extract_tb(exc.__traceback__)  # pytest hooks are plumbing
              if (shown := short_path(frame.filename, roots)) is not None and not frame.name.startswith("pytest_")]
    if frames:
        lines.append("Traceback (keybench and step code, most recent call last):")
        for shown, frame in frames:
            lines.append(f'  File "{shown}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line}")
    message = "\n".join(lines)
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "\n[message cut]"


@lru_cache(maxsize=256)
def _feature_tags(filename: str) -> tuple[tuple[str, int, int], ...]:
    """The feature's tags with where they are written (pytest-bdd keeps only their names)."""
    feature = get_gherkin_document(filename).feature
    return tuple((tag.name, tag.location.line, tag.location.column) for tag in feature.tags) if feature else ()


def feature_header(scenario: Scenario, uri: str) -> dict:
    """The feature an element belongs to, without its elements (they are added when the report is written)."""
    feature = scenario.feature
    return {
        "uri": uri,
        "id": slug(feature.name or uri),
        "keyword": feature.keyword,
        "name": feature.name or uri,
        "description": feature.description or "",
        "line": feature.line_number,
        "tags": [{"name": name, "type": "Tag", "location": {"line": line, "column": column}}
                 for name, line, column in _feature_tags(feature.filename)],
        "elements": [],
    }


def _step(step: Step, run: StepRun) -> dict:
    result = {"status": run.status, "duration": int(run.duration * 1e9)}
    if run.error_message:
        result["error_message"] = run.error_message
    shown = {"keyword": f"{step.keyword} ", "name": step.name, "line": step.line_number, "result": result}
    if run.location:
        shown["match"] = {"location": run.location}
    if step.docstring is not None:
        shown["doc_string"] = {"value": step.docstring, "line": step.line_number + 1}
    if step.datatable is not None:
        shown["rows"] = [{"cells": [str(cell) for cell in row]} for row in step.datatable.raw()]
    return shown


def scenario_element(scenario: Scenario, keyword: str, element_id: str, runs: list[StepRun],
                     start_timestamp: str | None, after_errors: list[str]) -> dict:
    """One scenario: every step of the feature file (background steps first) with its result, never fewer."""
    runs = (runs + [StepRun(SKIPPED) for _ in scenario.steps[len(runs):]])[:len(scenario.steps)]
    inherited = list(dict.fromkeys(sorted(scenario.feature.tags) + sorted(scenario.rule.tags if scenario.rule else ())))
    tags = inherited + sorted(scenario.tags - set(inherited))  # as Cucumber: the feature's and rule's tags first
    element = {
        "id": element_id,
        "keyword": keyword,
        "name": scenario.name,
        "description": scenario.description or "",
        "line": scenario.line_number,
        "type": "scenario",
        "tags": [{"name": f"@{tag}"} for tag in tags],
        "steps": [_step(step, run) for step, run in zip(scenario.steps, runs, strict=True)],
    }
    if start_timestamp:
        element["start_timestamp"] = start_timestamp
    if after_errors:  # failed after the steps: the test body, an after-scenario hook, the clean-up
        element["after"] = [{"match": {"location": "after the steps"},
                             "result": {"status": FAILED, "error_message": message}} for message in after_errors]
    return element


def add_run_facts(element: dict, facts: dict[str, object], skip_reason: str | None) -> dict:
    """The rig, target, firmware, device serial and seed as tags viewers list and filter on; all of it, the evidence
    folder and any skip reason or bench error as a text attachment on the first step, which viewers show."""
    facts = {key: value for key, value in facts.items() if value not in (None, "")}  # a rig that never loaded
    element["tags"] += [{"name": f"@{FACT_TAGS[key]}:{tag_value(facts[key])}"} for key in FACT_TAGS if key in facts]
    if "bench_error" in facts:  # the rig, not the product, failed: said where the viewer shows the failure
        element["tags"].append({"name": "@bench-error"})
        for step in element["steps"]:
            if step["result"]["status"] == FAILED:
                step["result"]["error_message"] = (f"bench error (the rig, not the product, failed): "
                                                   f"{facts['bench_error']}\n{step['result'].get('error_message', '')}")
    lines = [f"{label}: {facts[key]}" for key, label in RIG_FACTS.items() if key in facts]
    if skip_reason:  # its first line: the whole of it is on the step
        lines.append(f"skipped: {skip_reason.splitlines()[0]}")
    if lines and element["steps"]:
        data = base64.b64encode("\n".join(lines).encode()).decode("ascii")
        element["steps"][0]["embeddings"] = [{"mime_type": "text/plain", "name": "keybench run", "data": data}]
    return element


def unfinished(element: dict, status: str, why: str) -> dict:
    """A scenario that started and never reported its end: its first step carries the status and why, so viewers
    that count steps count it; the steps keep the skipped results they had when it started."""
    if element["steps"]:
        element["steps"][0]["result"] = {"status": status, "duration": 0, "error_message": why}
    else:
        element.setdefault("after", []).append({"match": {"location": "after the steps"},
                                                "result": {"status": status, "error_message": why}})
    return element
