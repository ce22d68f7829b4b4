"""keybench's Cucumber JSON report: `--cucumber-report=PATH` (pytest-bdd's own --cucumberjson is left alone).

Unlike pytest-bdd's report it lists every scenario that was collected and reached set-up: an undefined step as
`undefined`, a scenario skipped for a capability with all its steps `skipped` and the reason, the steps after a
failure as `skipped`, an error message trimmed to keybench and step code, and the rig facts of each scenario.

Where each scenario runs (this process, or an xdist worker) its element is built and put on its set-up and teardown
reports, which xdist carries to the controller as it carries every report attribute (pytest's own
pytest_report_to_serializable); the controller adds the rig facts from the reports' user_properties and writes the
one file. A scenario that started and never finished (its worker died, the run was stopped) is listed saying so.
A run in which no scenario reached set-up leaves the last report as it was.

It leans on pytest-bdd 9 (pyproject pins <10): its hooks, the scenario each test is made from
(scenario_wrapper_template_registry) and its Gherkin parser for where the feature's tags are written.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import datetime, timezone
from inspect import getsourcefile, unwrap
from pathlib import Path

import pytest
from pytest_bdd.parser import Scenario, ScenarioTemplate
from pytest_bdd.scenario import scenario_wrapper_template_registry
from pytest_bdd.utils import registry_get_safe

from keybench.steps.cucumber_json import (FAILED, PASSED, RIG_FACTS, RUNNING, SKIPPED, UNDEFINED, StepRun,
                                          add_run_facts, error_message, feature_header, scenario_element, short_path,
                                          slug, unfinished)

REPORT_ATTR = "keybench_cucumber"  # on a scenario's reports: its feature and element, plain JSON values
KEYBENCH_ROOT = Path(__file__).resolve().parent.parent

STEP_RUNS = pytest.StashKey[list[StepRun]]()
SCENARIO = pytest.StashKey[Scenario]()
PHASES = pytest.StashKey[dict[str, tuple[str, str | None]]]()  # when -> (outcome, message or skip reason)
STARTED = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("keybench").addoption(
        "--cucumber-report", metavar="PATH", default=None,
        help="write the Cucumber JSON report of every scenario (undefined, skipped and failed steps, the rig) to PATH")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--cucumber-report")
    if path and not hasattr(config, "workerinput"):  # under xdist only the controller writes
        config.pluginmanager.register(CucumberReport(Path(path).expanduser().resolve()), "keybench-cucumber-report")


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("--cucumber-report", None))


def _roots(config: pytest.Config) -> tuple[Path, ...]:
    return (config.rootpath.resolve(), KEYBENCH_ROOT)


# What happens to each step, from pytest-bdd's hooks (in the process that runs the scenario)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature, scenario: Scenario) -> None:
    if _enabled(request.config):
        request.node.stash[SCENARIO] = scenario
        request.node.stash[STEP_RUNS] = []


def _location(step_func, config: pytest.Config) -> str | None:
    func = unwrap(step_func)
    try:
        shown = short_path(getsourcefile(func) or "", _roots(config))
    except TypeError:  # a builtin or a callable object: no source file
        return None
    return f"{shown}:{func.__code__.co_firstlineno}" if shown and hasattr(func, "__code__") else None


def pytest_bdd_before_step(request: pytest.FixtureRequest, feature, scenario, step, step_func) -> None:
    if STEP_RUNS in request.node.stash:
        request.node.stash[STEP_RUNS].append(
            StepRun(RUNNING, started=time.perf_counter(), location=_location(step_func, request.config)))


def _finish(request: pytest.FixtureRequest, status: str, message: str | None = None) -> None:
    runs = request.node.stash.get(STEP_RUNS, None)
    if runs:
        runs[-1].status, runs[-1].error_message = status, message
        runs[-1].duration = time.perf_counter() - runs[-1].started


def pytest_bdd_after_step(request: pytest.FixtureRequest, feature, scenario, step, step_func, step_func_args) -> None:
    _finish(request, PASSED)


def pytest_bdd_step_error(request: pytest.FixtureRequest, feature, scenario, step, step_func, step_func_args,
                          exception: Exception) -> None:
    _finish(request, FAILED, error_message(exception, _roots(request.config)))


@pytest.hookimpl(trylast=True)  # after steps/suggest.py added its "did you mean" to the message
def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, feature, scenario, step,
                                      exception: Exception) -> None:
    if STEP_RUNS in request.node.stash:
        where = os.path.relpath(feature.filename, request.config.rootpath)
        message = f"{type(exception).__name__}: {exception}".replace(f'"{feature.filename}"', f'"{where}"')
        request.node.stash[STEP_RUNS].append(StepRun(UNDEFINED, error_message=message))


# Each phase's outcome, and at teardown the scenario's element
def _phase_message(report: pytest.TestReport, call: pytest.CallInfo, config: pytest.Config) -> str | None:
    if report.skipped and hasattr(report, "wasxfail"):  # an expected failure: skipped, naming what failed
        failure = error_message(call.excinfo.value, _roots(config)) if call.excinfo else ""
        return f"expected to fail ({report.wasxfail or 'xfail'}): {failure}"
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return reason.removeprefix("Skipped: ")
    if report.failed and call.excinfo is not None:
        return error_message(call.excinfo.value, _roots(config))
    return None


def template_of(item: pytest.Item) -> ScenarioTemplate | None:
    """The scenario pytest-bdd made this test from, as written in its feature file; None for any other test."""
    return registry_get_safe(scenario_wrapper_template_registry, getattr(item, "obj", None))


def _step_runs(runs: list[StepRun], phases: dict[str, tuple[str, str | None]],
               count: int) -> tuple[list[StepRun], str | None, str | None]:
    """The results of the scenario's `count` steps as the whole test went (the ones never reached are added as
    skipped later); the skip reason when it was skipped; a failure that came after its last step."""
    setup, setup_message = phases.get("setup", (PASSED, None))
    call, call_message = phases.get("call", (PASSED, None))
    if setup == SKIPPED:
        return [StepRun(SKIPPED, error_message=setup_message)], setup_message, None
    if setup == FAILED:
        return [StepRun(FAILED, error_message=f"the scenario's set-up failed before this step: {setup_message}")], \
            None, None
    ended = next((i for i, run in enumerate(runs) if run.status in (FAILED, UNDEFINED, RUNNING)), len(runs))
    runs = runs[:ended + 1]  # nothing runs after a step that did not pass; if it did, it is not the result
    if call == PASSED or (call == FAILED and ended < len(runs) and runs[ended].status != RUNNING):
        return runs, None, None
    status = SKIPPED if call == SKIPPED else FAILED
    if ended < len(runs):  # the step that was running when the skip or failure came past pytest-bdd
        runs[ended] = StepRun(status, duration=runs[ended].duration, error_message=call_message,
                              location=runs[ended].location)
    elif len(runs) < count:  # between two steps: the next one is the one that could not run
        runs.append(StepRun(status, error_message=call_message))
    elif status == FAILED:  # every step passed, then the test failed
        return runs, None, f"the scenario failed after its last step: {call_message}"
    return runs, call_message if status == SKIPPED else None, None


def _timestamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _payload(item: pytest.Item) -> dict | None:
    template = template_of(item)
    if template is None:
        return None  # not a scenario
    callspec = getattr(item, "callspec", None)
    # A scenario that never started (skipped or failed in set-up) is rendered here, its steps as they read
    scenario = item.stash.get(SCENARIO, None) or template.render(
        callspec.params.get("_pytest_bdd_example", {}) if callspec else {})
    phases = item.stash.get(PHASES, {})
    runs, skip_reason, after_error = _step_runs(item.stash.get(STEP_RUNS, []), phases, len(scenario.steps))
    uri = Path(os.path.relpath(scenario.feature.filename, item.config.rootpath)).as_posix()
    header = feature_header(scenario, uri)
    element_id = f"{header['id']};{slug(template.name)}" + (f";;{callspec.id}" if callspec else "")
    teardown, teardown_message = phases.get("teardown", (PASSED, None))
    after_errors = [after_error] if after_error else []
    if teardown == FAILED:
        after_errors.append(f"the scenario's clean-up failed: {teardown_message}")
    element = scenario_element(scenario, template.keyword, element_id, runs, _timestamp(item.stash.get(STARTED, None)),
                               after_errors)
    row = callspec.indices.get("_pytest_bdd_example", 0) if callspec else 0  # an outline's rows in file order
    return {"feature": header, "element": element, "skip_reason": skip_reason, "order": [scenario.line_number, row]}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """The element goes on the set-up report too: if the scenario never finishes (its xdist worker dies, the run is
    stopped), the writer still knows it and says so."""
    report = yield
    if _enabled(item.config):
        if call.when == "setup":
            item.stash[STARTED] = call.start
        item.stash.setdefault(PHASES, {})[call.when] = (report.outcome, _phase_message(report, call, item.config))
        if call.when in ("setup", "teardown") and (payload := _payload(item)) is not None:
            setattr(report, REPORT_ATTR, payload)
    return report


class CucumberReport:
    """In the process that writes the file: collects the elements from the reports, writes them at the end."""

    def __init__(self, path: Path):
        self.path = path
        self.features: dict[str, dict] = {}  # uri -> feature
        self.elements: dict[str, tuple[str, list, dict]] = {}  # nodeid -> (uri, [line, outline row], element)
        self.finished: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, REPORT_ATTR, None)
        if payload:  # set-up, then teardown: the later one has the whole story
            facts = {name: value for name, value in report.user_properties if name in RIG_FACTS}
            element = add_run_facts(payload["element"], facts, payload["skip_reason"])
            uri = payload["feature"]["uri"]
            self.features.setdefault(uri, payload["feature"])
            self.elements[report.nodeid] = (uri, payload["order"], element)
            if report.when == "teardown":
                self.finished.add(report.nodeid)
        elif report.failed and report.nodeid in self.elements and report.nodeid not in self.finished:
            # xdist's report for a scenario whose worker died: what its steps did died with the worker
            reason = str(report.longrepr).splitlines()[0] if report.longrepr else "its worker died"
            unfinished(self.elements[report.nodeid][2], FAILED, f"{reason}; the results of its steps are lost")
            self.finished.add(report.nodeid)

    @property
    def count(self) -> int:
        return len(self.elements)

    def report(self) -> list[dict]:
        """Features by file, scenarios as in their file: the same report whatever order workers finished in."""
        for nodeid in self.elements.keys() - self.finished:  # started, never finished: the run was stopped
            unfinished(self.elements[nodeid][2], SKIPPED, "the run stopped before this scenario finished")
        self.finished |= self.elements.keys()
        ordered = sorted((uri, order, nodeid) for nodeid, (uri, order, _) in self.elements.items())
        return [dict(self.features[uri], elements=[self.elements[nodeid][2] for u, _, nodeid in ordered if u == uri])
                for uri in sorted(self.features)]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.count:
            return  # a run that selected nothing keeps the last report
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.path.parent, suffix=".tmp", delete=False,
                                         encoding="utf-8") as stream:
            json.dump(self.report(), stream, indent=1)
        os.replace(stream.name, self.path)  # readers never see half a file

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.count:
            terminalreporter.write_sep("-", f"cucumber report: {self.count} scenario(s) in {self.path}")
        else:
            terminalreporter.write_sep("-", f"cucumber report: no scenario ran; {self.path} left as it was")
