"""The run's verdict: green only when it tested what it says, each other ending one line and its own exit code.

| exit | meaning |
|---|---|
| 0 | what was selected ran, and passed |
| 1 | a product failure: a scenario or test failed |
| 2 | an unknown rig or a bad rig file (also pytest's own: the run was interrupted) |
| 3 | the bench, not a test, failed: it could not be reached, or died during the run |
| 4 | a tool the rig needs is not installed here (also pytest's own usage errors, e.g. a bad option) |
| 5 | nothing ran: every selected scenario was skipped or deselected (or nothing was collected) |
"""
from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from keybench.rigs.config import RigConfig, RigError, RigUnavailable, load_rig
from keybench.rigs.doctor import BROKEN, Verdict
from keybench.rigs.registry import target_class

BAD_RIG_FILE, BENCH_BROKEN, NOT_INSTALLED = Verdict.BAD_RIG_FILE, Verdict.BENCH_BROKEN, Verdict.NOT_INSTALLED
NOTHING_RAN = 5  # pytest's own "no tests ran"
BENCH_ERROR = "bench error"  # the report category of a scenario the bench, not the product, failed
NOT_AVAILABLE = "is not available here"  # in the skip reason of --allow-missing-rig
PLUGIN_NAME = "keybench-run"


class KeybenchRun:
    """The run's own plugin object: what it learnt about its rig, shared by the fixtures and these hooks."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.rig_option: str = config.getoption("--rig")
        self.rig: RigConfig | None = None
        self.bench = None  # rigs.bench.Bench once the session opened it
        self.open_error = ""  # an xdist worker's bench could not be opened (steps/plugin.py session_bench)
        self.missing_tool = ""  # --allow-missing-rig: why every scenario is skipped
        self.bench_error = ""
        self.rig_error = ""  # "<exit code> <line>", from xdist workers' reports
        self.scenarios: set[str] = set()
        self.ran: set[str] = set()
        self.skipped: dict[str, str] = {}  # nodeid -> reason
        self.lacking: dict[str, str] = {}  # nodeid -> the capability the rig lacks, for those skipped for it
        self.deselected = 0
        self.verdict = ""

    def load_rig(self) -> RigConfig:
        if self.rig is None:
            self.rig = load_rig(self.rig_option)
        return self.rig

    @property
    def rig_name(self) -> str:
        return self.rig.name if self.rig else self.rig_option

    # --- before the run: the rig must be usable, or the run ends with one line ---------------------------------
    @pytest.hookimpl(trylast=True)  # after -k and -m deselected what they deselect
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        rig_items = [item for item in items if uses_rig(item)]
        if not rig_items:
            return  # unit tests only: the rig option (or KEYBENCH_RIG) is not even read
        problem = self.preflight()
        if problem and not hasattr(self.config, "workerinput"):
            pytest.exit(problem[1], returncode=problem[0])
        for item in rig_items:
            item.user_properties += [("rig", self.rig_name), ("target", self.rig.target if self.rig else "")]
            if problem:  # an xdist worker cannot end the run: it hands the verdict to the controller
                item.user_properties.append(("rig_error", f"{problem[0]} {problem[1]}"))
                item.add_marker(pytest.mark.skip(reason=problem[1]))
            elif self.missing_tool:
                item.add_marker(pytest.mark.skip(reason=self.missing_tool))

    def preflight(self) -> tuple[int, str] | None:
        """The rig file, the target's settings, the tools it needs (nothing starts): None, or (exit code, line)."""
        try:
            rig = self.load_rig()
            target = target_class(rig.target)(rig)
            workers = int(getattr(self.config, "workerinput", {}).get("workercount", 1))
            if workers > 1 and not target.one_device_per_worker():  # the workers would talk over each other
                return BAD_RIG_FILE, (f"keybench: rig {rig.name!r} is one physical device (physical = true), and "
                                      f"{workers} xdist workers would share it: run it without -n")
            target.check_tools()
            self.rig = dataclasses.replace(rig, capabilities=target.capabilities())  # e.g. a lab place's
        except RigUnavailable as exc:
            if not self.config.getoption("--allow-missing-rig"):
                return NOT_INSTALLED, (f"keybench: rig {self.rig_option!r} cannot run here: {exc} "
                                       f"(`python -m keybench.rigs doctor --rig {self.rig_option}` checks it; "
                                       f"--allow-missing-rig skips its scenarios instead)")
            self.missing_tool = f"rig {self.rig_name!r} {NOT_AVAILABLE}: {exc}"
        except RigError as exc:  # a bad rig file, an unknown rig or target, settings the target refuses
            return BAD_RIG_FILE, f"keybench: bad rig file: {exc}"
        return None

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += sum(1 for item in items if uses_rig(item))

    # --- during the run: a dead bench is not a product failure -------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if report.failed and call.excinfo is not None and uses_rig(item) and (self.bench or self.open_error):
            broken = self.bench.health(call.excinfo.value) if self.bench else self.open_error
            if broken:
                report.longrepr = f"{BENCH_ERROR}: {broken}"
                report.user_properties.append(("bench_error", broken))
                item.user_properties.append(("bench_error", broken))
                item.session.shouldstop = f"the bench of rig {self.rig_name!r} broke ({BROKEN})"
        return report

    def pytest_report_teststatus(self, report: pytest.TestReport):
        if report.failed and _property(report, "bench_error"):
            return BENCH_ERROR, "B", "BENCH ERROR"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if _property(report, "rig") is None:
            return  # not a scenario
        self.scenarios.add(report.nodeid)  # under xdist the controller learns the scenarios from their reports
        self.bench_error = self.bench_error or _property(report, "bench_error") or ""
        self.rig_error = self.rig_error or _property(report, "rig_error") or ""
        if report.skipped:
            self.skipped.setdefault(report.nodeid, _reason(report))
            lacks = _property(report, "lacks_capability")
            if lacks:
                self.lacking.setdefault(report.nodeid, lacks)
        elif report.when == "call" or report.failed:
            self.ran.add(report.nodeid)

    # --- after the run: the verdict ----------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if hasattr(self.config, "workerinput"):
            return  # an xdist worker: the controller gives the verdict
        if self.rig_error:  # found by xdist workers
            code, line = self.rig_error.split(" ", 1)
            session.exitstatus, self.verdict = int(code), line
        elif self.bench_error:
            session.exitstatus = BENCH_BROKEN
            self.verdict = (f"keybench: the bench of rig {self.rig_name!r} broke: {self.bench_error} "
                            f"({BROKEN}; exit {BENCH_BROKEN})")
        elif (self.scenarios or self.deselected) and not self.ran and exitstatus in (0, 5):
            missing_tool_only = self.config.getoption("--allow-missing-rig") and self.skipped and all(
                NOT_AVAILABLE in reason for reason in self.skipped.values())
            if not (self.config.getoption("--allow-nothing-ran") or missing_tool_only):
                session.exitstatus = NOTHING_RAN
                self.verdict = (f"keybench: {self.nothing_ran()} (exit {NOTHING_RAN}; --allow-nothing-ran "
                                f"accepts that)")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.verdict:
            terminalreporter.write_line(self.verdict, red=True, bold=True)

    def nothing_ran(self) -> str:
        """'0 of 11 scenarios ran on rig 'X': 11 lack capability power_cycle'."""
        groups: Counter[str] = Counter()
        for nodeid, reason in self.skipped.items():
            lacks = self.lacking.get(nodeid)
            groups[f"lack capability {lacks}" if lacks else f"skipped: {reason}"] += 1
        parts = [f"{count} {what}" for what, count in groups.most_common()]
        if self.deselected:
            parts.append(f"{self.deselected} deselected by -k/-m")
        total = len(self.scenarios) + self.deselected
        return f"0 of {total} scenarios ran on rig {self.rig_name!r}: {'; '.join(parts) or 'none selected'}"


def uses_rig(item: pytest.Item) -> bool:
    """A scenario, or a test that asks for the bench. A scenario's steps ask for their fixtures only as they run;
    what every pytest-bdd scenario asks for up front is its example row."""
    return bool({"_pytest_bdd_example", "session_bench"} & set(getattr(item, "fixturenames", ())))


def _property(report: pytest.TestReport, name: str) -> str | None:
    return next((value for key, value in getattr(report, "user_properties", ()) if key == name), None)


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def keybench_run(config: pytest.Config) -> KeybenchRun:
    return config.pluginmanager.get_plugin(PLUGIN_NAME)


def add_options(group) -> None:
    group.addoption("--allow-missing-rig", action="store_true",
                    help="a rig whose tool is not installed here skips its scenarios instead of ending the run "
                         "with exit 4 (for CI matrices on machines without the tool)")
    group.addoption("--allow-nothing-ran", action="store_true",
                    help="exit 0, not 5, when every selected scenario was skipped or deselected")


def register(config: pytest.Config) -> None:
    config.pluginmanager.register(KeybenchRun(config), PLUGIN_NAME)
