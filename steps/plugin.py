"""The keybench pytest plugin: --rig, thin fixtures, capability skips, evidence. Step modules load from here."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from keybench.rigs.app.companion import CompanionApp
from keybench.rigs.bench import Bench
from keybench.rigs import guard
from keybench.rigs.config import KNOWN_CAPABILITIES, RigConfig, RigError
from keybench.rigs.doctor import BROKEN, open_checked
from keybench.rigs.operator import NeedsOperator
from keybench.steps.context import ScenarioContext
from keybench.steps.evidence import EvidenceFolderInUse, EvidenceRecorder, folder_name, start_run
from keybench.steps.golden import GoldenScenario, scenario_slug
from keybench.steps.screenshots import (COMPARE, RECORD, CameraSettings, GoldenSummary, ScreenCamera,
                                        golden_folder_clashes, scenario_identity)
from keybench.steps import verdict
from keybench.steps.verdict import BENCH_BROKEN, keybench_run, uses_rig

pytest_plugins = [f"keybench.steps.{name}" for name in (
    "pin_steps", "device_steps", "wallet_steps", "app_steps", "backup_steps",  # the step library
    "cucumber", "allure_report", "tags", "collect", "suggest",  # reports, free tags, features by path, did-you-mean
)]

SUITE_TAGS = {
    "pairing": "first pairing and binding",
    "lost_code": "a lost binding code",
    "pin": "PIN rules, lockout and reset",
    "restore": "restore from mnemonic",
    "backup": "wallet backup and export",
    "bip39_vectors": "official BIP39 test vectors",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("keybench")
    group.addoption("--rig", default=os.environ.get("KEYBENCH_RIG", "sim"),
                    help="rig name (a .toml in rigs/) or path to a rig file; default sim")
    group.addoption("--evidence", default=None, metavar="DIR",
                    help="write one evidence folder per scenario (transcript, debug log, rig) under DIR")
    group.addoption("--show-secrets", action="store_true",
                    help="write PINs and mnemonic words into evidence logs and unmask the words in screen "
                         "pictures (off by default)")
    group.addoption("--golden-run", action="store_true",
                    help="record the golden screens of every scenario that runs and passes, into "
                         "snapshots/<scenario>/ beside its feature file (replacing its old ones); without it, "
                         "every screen is compared with its golden one and a difference fails the step")
    group.addoption("--golden-strict", action="store_true",
                    help="a scenario with no golden screens fails (by default it is not compared, and the run's "
                         "summary lists it)")
    verdict.add_options(group)


def pytest_configure(config: pytest.Config) -> None:
    verdict.register(config)
    for cap in sorted(KNOWN_CAPABILITIES):
        config.addinivalue_line("markers", f"needs_{cap}: runs only on a rig with the {cap} capability")
    for tag, what in SUITE_TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {what}")
    config.addinivalue_line("markers", f"{guard.WIPE_TAG}: wipes the device; on a physical rig only when its "
                                       "serial is in the rig file's allowed_serials")
    if config.getoption("--golden-run") and config.getoption("--golden-strict"):
        raise pytest.UsageError("--golden-run records golden screens, --golden-strict compares them: give one")
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(GoldenSummary(), "keybench-golden-summary")
    evidence = config.getoption("--evidence")
    if evidence and not hasattr(config, "workerinput"):  # the controller empties it once, before any worker
        try:
            start_run(Path(evidence))
        except EvidenceFolderInUse as exc:
            raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(tryfirst=True)  # every collected scenario, before -k and -m deselect some
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    clashes = golden_folder_clashes(items)
    if clashes:
        raise pytest.UsageError("keybench: two scenarios of one suite need different names (golden screens): "
                                + "; ".join(clashes))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A scenario that needs what the rig lacks is skipped, naming both, never passed."""
    if not uses_rig(item):
        return
    rig = keybench_run(item.config).load_rig()
    for marker in item.iter_markers():
        if marker.name.startswith("needs_"):
            capability = marker.name.removeprefix("needs_")
            if not rig.has(capability):
                item.user_properties.append(("lacks_capability", capability))  # for the run's verdict
                pytest.skip(f"rig {rig.name!r} lacks capability {capability!r}")
    if item.get_closest_marker(guard.WIPE_TAG) and not rig.has("destructive"):
        item.user_properties.append(("lacks_capability", "destructive"))
        pytest.skip(f"rig {rig.name!r} lacks capability 'destructive' (the scenario wipes the device)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A physical action for a bench operator when nobody is at a terminal: a skip naming the rig and action."""
    try:
        return (yield)
    except NeedsOperator as exc:
        pytest.skip(exc.reason)


@pytest.fixture(scope="session")
def rig(pytestconfig: pytest.Config) -> RigConfig:
    return keybench_run(pytestconfig).load_rig()  # checked before the run started (steps/verdict.py)


@pytest.fixture(scope="session")
def session_bench(rig: RigConfig, pytestconfig: pytest.Config):
    """One device per test session (per xdist worker); each scenario starts it afresh."""
    try:
        bench, info = open_checked(rig)  # the doctor's preflight: reachable, info APDUs, firmware version
    except RigError as exc:
        if not hasattr(pytestconfig, "workerinput"):
            pytest.exit(f"keybench: rig {rig.name!r} is not usable ({BROKEN}): {exc}", returncode=BENCH_BROKEN)
        # An xdist worker cannot end the run (pytest.exit there is an INTERNALERROR): its scenario is a BENCH
        # ERROR (steps/verdict.py), the worker stops, and the controller ends the run with exit 3.
        keybench_run(pytestconfig).open_error = f"rig {rig.name!r} is not usable: {exc}"
        raise
    bench.info = info
    keybench_run(pytestconfig).bench = bench
    yield bench
    keybench_run(pytestconfig).bench = None
    bench.close()


RECORDER = pytest.StashKey[EvidenceRecorder]()
CAMERA = pytest.StashKey[ScreenCamera]()
STEPS_BEFORE_BENCH = pytest.StashKey[list[str]]()


@pytest.fixture
def bench(session_bench: Bench, request: pytest.FixtureRequest):
    node = request.node
    if node.get_closest_marker(guard.WIPE_TAG) and session_bench.rig.physical:
        refusal = guard.wipe_refusal(session_bench.rig, session_bench.device_serial())
        if refusal:
            pytest.skip(refusal)
    recorder = EvidenceRecorder(show_secrets=request.config.getoption("--show-secrets"))
    session_bench.link.listeners.append(recorder)
    try:
        session_bench.prepare(node.name)
    except (NeedsOperator, guard.WipeRefused) as exc:  # no operator at a terminal; a wipe the rig forbids
        session_bench.link.listeners.remove(recorder)
        pytest.skip(str(exc))
    recorder.clear()  # set-up is not the scenario's
    for text in node.stash.get(STEPS_BEFORE_BENCH, []):  # the step that asked for the bench began before it
        recorder.mark_step(text)
    node.stash[RECORDER] = recorder
    evidence = request.config.getoption("--evidence")
    folder = Path(evidence) / folder_name(node.nodeid) if evidence else None
    info = session_bench.info
    node.user_properties += [("firmware_version", info.firmware_version), ("device_serial", info.serial),
                             ("seed", str(session_bench.seed))]
    if folder:
        node.user_properties.append(("evidence", str(folder)))
    camera = _camera(request, session_bench, recorder, folder)
    yield session_bench
    session_bench.link.listeners.remove(recorder)
    if camera is not None:
        node.user_properties.append((GoldenSummary.PROPERTY, camera.status))
    if folder:
        rig = session_bench.rig
        recorder.write(folder, f"rig={rig.name} target={rig.target} firmware={info.firmware_version} "
                               f"serial={info.serial} seed={session_bench.seed}\ntest={node.nodeid}")


def _camera(request: pytest.FixtureRequest, bench: Bench, recorder: EvidenceRecorder,
            folder: Path | None) -> ScreenCamera | None:
    """The scenario's screen pictures and golden screens (steps/screenshots.py); None for a test that is no
    scenario."""
    identity = scenario_identity(request.node)
    if identity is None:
        return None
    feature, name, example = identity
    config = request.config
    settings = CameraSettings(mode=RECORD if config.getoption("--golden-run") else COMPARE,
                              strict=config.getoption("--golden-strict"),
                              show_secrets=config.getoption("--show-secrets"), evidence=folder,
                              root=config.rootpath)
    title = f"{name} [{', '.join(f'{k}={v}' for k, v in example.items())}]" if example else name
    camera = ScreenCamera(bench.hands, GoldenScenario.beside(feature, scenario_slug(name, example)),
                          f"{title} ({feature.name}, rig {bench.rig.name}, seed {bench.seed})", settings,
                          note=recorder.note, attach=_attach)
    request.node.stash[CAMERA] = camera
    return camera


def _attach(path: Path, name: str) -> None:
    """A picture into the Allure results, on the running step (nothing without --alluredir)."""
    from keybench.steps.allure_report import attach_file  # here: allure_report imports this module

    attach_file(path, name)


@pytest.hookimpl(tryfirst=True)  # a golden screen that differs fails this step, before the reports call it passed
def pytest_bdd_after_step(request: pytest.FixtureRequest, feature, scenario, step, step_func,
                          step_func_args) -> None:
    camera = request.node.stash.get(CAMERA, None)
    if camera is not None:
        camera.after_step(request.node.stash[RECORDER].steps, step.name, last_step=step is scenario.steps[-1])


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest, feature, scenario, step, step_func, step_func_args,
                          exception: Exception) -> None:
    camera = request.node.stash.get(CAMERA, None)
    if camera is not None:
        camera.after_failed_step(request.node.stash[RECORDER].steps, step.name)


def pytest_bdd_before_step(request: pytest.FixtureRequest, step) -> None:
    """Mark where each step starts in the scenario's evidence."""
    text = f"{step.keyword} {step.name}"
    recorder = request.node.stash.get(RECORDER, None)
    if recorder is not None:
        recorder.mark_step(text)
    else:  # the bench fixture is made when the first step that needs it runs: it replays these
        request.node.stash.setdefault(STEPS_BEFORE_BENCH, []).append(text)


@pytest.fixture
def ctx() -> ScenarioContext:
    return ScenarioContext()


class Phones:
    """The phones in a scenario, each with its own app install; created when a step first names one."""

    def __init__(self, bench: Bench):
        self.bench = bench
        self._apps: dict[str, CompanionApp] = {}

    def __getitem__(self, phone: str) -> CompanionApp:
        if phone not in self._apps:
            entropy = (self.bench.seed or 0).to_bytes(8, "big")
            self._apps[phone] = CompanionApp(phone, self.bench.link, entropy)
        return self._apps[phone]


@pytest.fixture
def phones(bench: Bench) -> Phones:
    return Phones(bench)
