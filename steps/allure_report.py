"""keybench's part of the Allure results that allure-pytest-bdd writes with `--alluredir DIR` (docs/reports.md).

allure-pytest-bdd writes each scenario's result and steps. keybench adds, in the process that runs the scenario:
its rig, target, firmware, device serial and seed as labels; under each step, the part of the APDU transcript and
of the debug log that step made (the evidence recorder marks where each step starts), and the screen pictures the
pictures helper hands to attach_file(); a bench error (steps/verdict.py) as `broken` with a message starting
"bench error", so categories.json files it apart from product failures; and a result for a scenario skipped before
it started (a capability the rig lacks), which allure-pytest-bdd never reports. The process that writes the run's
other reports (the xdist controller, or the only process) writes environment.properties and categories.json.

It leans on allure-pytest-bdd 2.16 (pyproject pins it): its listener's lifecycle and per-test storage.
"""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import allure
import pytest
from allure_commons.model2 import Label, Status, StatusDetails
from allure_commons.types import AttachmentType, LabelType
from allure_commons.utils import host_tag, md5, now, platform_label, thread_tag
from allure_pytest_bdd.pytest_bdd_listener import PytestBDDListener
from allure_pytest_bdd.steps import get_step_uuid, start_step, stop_step
from allure_pytest_bdd.storage import save_test_data
from allure_pytest_bdd.utils import get_allure_description, get_full_name, get_title_path

from keybench.rigs.config import RigError
from keybench.steps.cucumber import template_of
from keybench.steps.plugin import RECORDER
from keybench.steps.verdict import BENCH_ERROR, keybench_run

# user_properties the scenario's process records (steps/plugin.py, steps/verdict.py) -> the Allure label's name
LABELS = {"rig": "rig", "target": "target", "firmware_version": "firmware", "device_serial": "serial", "seed": "seed"}
ENVIRONMENT = {"rig": "rig", "target": "target", "firmware_version": "firmware version",
               "device_serial": "device serial"}
BENCH_ERROR_PREFIX = f"{BENCH_ERROR} (the rig, not the product, failed): "
# One category per kind of failure; the first that matches is the one Allure 3 shows. The regular expressions read
# the same in Allure 2 (Java, the whole message) and Allure 3 (JavaScript).
CATEGORIES = [
    {"name": "Bench errors (the rig, not the product, failed)", "matchedStatuses": ["broken", "failed"],
     "messageRegex": f"^{BENCH_ERROR}[\\s\\S]*"},
    {"name": "Product failures", "matchedStatuses": ["failed", "broken"],
     "messageRegex": f"^(?!{BENCH_ERROR})[\\s\\S]*"},
]
STEP_MARK = "--- step "  # how steps/evidence.py marks a step's start in both logs
PLUGIN_NAME = "keybench-allure"


def attach_file(path: str | Path, name: str) -> None:
    """Attach a file (a step's screen PNG, a diff picture) to the running step, else to the scenario; nothing
    when Allure is off (no --alluredir: allure's hooks then have no listener)."""
    path = Path(path)
    kind = {".png": AttachmentType.PNG, ".txt": AttachmentType.TEXT, ".log": AttachmentType.TEXT}.get(
        path.suffix.lower())
    allure.attach.file(str(path), name=name, attachment_type=kind, extension=path.suffix.lstrip(".") or None)


def pytest_configure(config: pytest.Config) -> None:
    results = getattr(config.option, "allure_report_dir", None)  # allure-pytest-bdd's --alluredir
    if results:
        config.pluginmanager.register(AllureAdditions(config, Path(results).resolve()), PLUGIN_NAME)


def _since_last_step(lines: list[str]) -> str:
    start = max((i for i, line in enumerate(lines) if line.startswith(STEP_MARK)), default=-1)
    return "\n".join(lines[start + 1:])


class AllureAdditions:
    def __init__(self, config: pytest.Config, results: Path):
        self.config = config
        self.results = results
        self.environment: dict[str, set[str]] = {}  # what the scenarios' reports said, for environment.properties

    @property
    def listener(self) -> PytestBDDListener:
        return next(p for p in self.config.pluginmanager.get_plugins() if isinstance(p, PytestBDDListener))

    # --- in the process that runs the scenario ------------------------------------------------------------------
    def _attach_step_logs(self, request: pytest.FixtureRequest) -> None:
        """Before allure-pytest-bdd closes the step: what the step sent and saw, from the evidence recorder."""
        recorder = request.node.stash.get(RECORDER, None)
        if recorder is None:
            return  # the step never reached the device
        for name, lines in (("transcript", recorder.transcript), ("debug log", recorder.debug_log)):
            text = _since_last_step(lines)
            if text.strip():
                allure.attach(text + "\n", name=name, attachment_type=AttachmentType.TEXT)

    @pytest.hookimpl(trylast=True)  # after allure-pytest-bdd made every argument of the step function a parameter
    def pytest_bdd_before_step_call(self, step, step_func_args: dict) -> None:
        """Only what the step's text says stays a parameter: fixtures (the bench, the scenario's context with the
        screen it read, which may be the mnemonic's) are not the step's parameters and must not be written."""
        fixtures = {name for name, value in step_func_args.items() if not isinstance(value, (str, int, float, bool))}
        with self.listener.lifecycle.update_step(uuid=get_step_uuid(step)) as result:
            if result is not None:
                result.parameters = [p for p in result.parameters if p.name not in fixtures]

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_after_step(self, request: pytest.FixtureRequest) -> None:
        self._attach_step_logs(request)

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_step_error(self, request: pytest.FixtureRequest) -> None:
        self._attach_step_logs(request)

    @pytest.hookimpl(wrapper=True, trylast=True)  # inside allure-pytest-bdd's wrapper: before it writes the result
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        listener = self.listener
        if report.when == "setup" and not report.passed and item.nodeid not in listener.nodeid_to_uuid:
            self._never_started(item, listener, report)
        elif report.when == "teardown" and item.nodeid in listener.nodeid_to_uuid:
            self._finish(item, listener.nodeid_to_uuid[item.nodeid])
        return report

    def _never_started(self, item: pytest.Item, listener: PytestBDDListener, report: pytest.TestReport) -> None:
        """A scenario skipped (or failed) in set-up, before pytest-bdd started it: its result, every step skipped,
        as allure-pytest-bdd would have written it had the scenario started."""
        template = template_of(item)
        if template is None:
            return  # not a scenario
        callspec = getattr(item, "callspec", None)
        params = callspec.params.get("_pytest_bdd_example", {}) if callspec else {}
        scenario = template.render(params)
        feature = scenario.feature
        uuid = listener.nodeid_to_uuid[item.nodeid]
        save_test_data(item=item, feature=feature, scenario=scenario, params=params)
        full_name = get_full_name(feature, scenario)
        lifecycle = listener.lifecycle
        with lifecycle.schedule_test_case(uuid=uuid) as result:
            result.fullName, result.name, result.testCaseId = full_name, scenario.name, md5(full_name)
            result.titlePath = get_title_path(SimpleNamespace(config=item.config), feature)
            result.description = get_allure_description(item, feature, scenario)
            result.start = result.stop = now()
            result.labels += [Label(name=LabelType.HOST, value=host_tag()),
                              Label(name=LabelType.THREAD, value=thread_tag()),
                              Label(name=LabelType.FRAMEWORK, value="pytest-bdd"),
                              Label(name=LabelType.LANGUAGE, value=platform_label())]
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for number, step in enumerate(scenario.steps):
            step_uuid = f"{uuid}-{number}"
            start_step(lifecycle, step_uuid, f"{step.keyword} {step.name}", parent_uuid=uuid)
            stop_step(lifecycle, step_uuid, status=Status.SKIPPED,
                      status_details=StatusDetails(message=reason.removeprefix("Skipped: ")) if number == 0 else None)

    def _finish(self, item: pytest.Item, uuid: str) -> None:
        """The rig facts as labels; a bench error filed apart from product failures."""
        facts = dict(item.user_properties)
        with self.listener.lifecycle.update_test_case(uuid=uuid) as result:
            if result is None:
                return
            result.labels += [Label(name=LABELS[key], value=str(facts[key])) for key in LABELS if facts.get(key)]
            broken = facts.get("bench_error")
            if broken:
                result.status = Status.BROKEN
                before = result.statusDetails.message if result.statusDetails else ""
                result.statusDetails = StatusDetails(message=f"{BENCH_ERROR_PREFIX}{broken}\n{before or ''}".strip(),
                                                     trace=result.statusDetails.trace if result.statusDetails else None)
                result.labels.append(Label(name=LabelType.TAG, value="bench-error"))

    # --- in the process that writes the run's reports -----------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key in ENVIRONMENT and value:
                self.environment.setdefault(key, set()).add(str(value))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput") or not self.environment:
            return  # a worker (the controller writes these), or no scenario reached the rig
        self.results.mkdir(parents=True, exist_ok=True)
        lines = [f"{label}={', '.join(sorted(self.environment[key]))}"
                 for key, label in ENVIRONMENT.items() if key in self.environment]
        try:
            rig = keybench_run(self.config).load_rig()  # an xdist controller has not loaded it: it collects nothing
        except RigError:
            rig = None  # the verdict names the bad rig file; the environment leaves its seed out
        if rig is not None and rig.seed is not None:
            lines.append(f"rig seed={rig.seed}")
        (self.results / "environment.properties").write_text(
            "".join(_property_line(line) for line in lines), encoding="utf-8")
        (self.results / "categories.json").write_text(json.dumps(CATEGORIES, indent=1) + "\n", encoding="utf-8")


def _ascii(text: str) -> str:
    return "".join(char if ord(char) < 128 else f"\\u{ord(char):04x}" for char in text)


def _property_line(line: str) -> str:
    """A Java .properties line (what Allure reads): spaces in the key escaped, non-ASCII as \\uXXXX."""
    key, value = line.split("=", 1)
    return f"{_ascii(key).replace(' ', chr(92) + ' ')}={_ascii(value)}\n"


def allure_config(results: Path, output: Path, name: str = "keybench") -> dict:
    """The Allure 3 configuration scripts/report renders with: one HTML file that opens from disk, and the
    categories of categories.json (Allure 3 reads them from its configuration, Allure 2 from the results)."""
    categories_file = results / "categories.json"
    categories = json.loads(categories_file.read_text()) if categories_file.is_file() else CATEGORIES
    return {"name": name, "output": str(output), "categories": categories,
            "plugins": {"awesome": {"options": {"singleFile": True, "reportName": name}}}}


if __name__ == "__main__":  # scripts/report: python -m keybench.steps.allure_report RESULTS OUTPUT > allurerc.json
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m keybench.steps.allure_report RESULTS_DIR REPORT_DIR  (prints an allurerc.json)")
    print(json.dumps(allure_config(Path(sys.argv[1]), Path(sys.argv[2])), indent=1))
