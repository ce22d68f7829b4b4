"""The keybench pytest plugin: --rig, thin fixtures, capability skips, evidence. Step modules load from here."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from rigs.app.companion import CompanionApp
from rigs.bench import Bench
from rigs import guard
from rigs.config import KNOWN_CAPABILITIES, RigConfig, RigError, RigUnavailable, load_rig
from rigs.doctor import BROKEN, open_checked
from rigs.operator import NeedsOperator
from steps.context import ScenarioContext
from steps.evidence import EvidenceRecorder, folder_name

pytest_plugins = ["steps.pin_steps", "steps.device_steps", "steps.wallet_steps", "steps.app_steps", "steps.backup_steps"]

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
                    help="write PINs and mnemonic words into evidence logs (off by default)")


def pytest_configure(config: pytest.Config) -> None:
    for cap in sorted(KNOWN_CAPABILITIES):
        config.addinivalue_line("markers", f"needs_{cap}: runs only on a rig with the {cap} capability")
    for tag, what in SUITE_TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {what}")
    config.addinivalue_line("markers", f"{guard.WIPE_TAG}: wipes the device; on a physical rig only when its "
                                       "serial is in the rig file's allowed_serials")


def _rig(config: pytest.Config) -> RigConfig:
    rig = getattr(config, "_keybench_rig", None)
    if rig is None:
        try:
            rig = load_rig(config.getoption("--rig"))
        except RigError as exc:
            raise pytest.UsageError(str(exc)) from None
        config._keybench_rig = rig
    return rig


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A scenario that needs what the rig lacks is skipped, naming both, never passed."""
    rig = _rig(item.config)
    for marker in item.iter_markers():
        if marker.name.startswith("needs_"):
            capability = marker.name.removeprefix("needs_")
            if not rig.has(capability):
                pytest.skip(f"rig {rig.name!r} lacks capability {capability!r}")
    if item.get_closest_marker(guard.WIPE_TAG) and not rig.has("destructive"):
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
    return _rig(pytestconfig)


@pytest.fixture(scope="session")
def session_bench(rig: RigConfig):
    """One device per test session (per xdist worker); each scenario starts it afresh."""
    try:
        bench, _ = open_checked(rig)  # the doctor's preflight: reachable, info APDUs, firmware version
    except RigUnavailable as exc:  # a tool not installed here: every scenario is skipped with the hint
        pytest.skip(f"rig {rig.name!r} is not available here: {exc}")
    except RigError as exc:
        pytest.exit(f"rig {rig.name!r} is not usable ({BROKEN}): {exc}", returncode=3)
    yield bench
    bench.close()


@pytest.fixture
def bench(session_bench: Bench, request: pytest.FixtureRequest):
    if request.node.get_closest_marker(guard.WIPE_TAG) and session_bench.rig.physical:
        refusal = guard.wipe_refusal(session_bench.rig, session_bench.device_serial())
        if refusal:
            pytest.skip(refusal)
    recorder = EvidenceRecorder(show_secrets=request.config.getoption("--show-secrets"))
    session_bench.link.listeners.append(recorder)
    try:
        session_bench.prepare(request.node.name)
    except (NeedsOperator, guard.WipeRefused) as exc:  # no operator at a terminal; a wipe the rig forbids
        session_bench.link.listeners.remove(recorder)
        pytest.skip(str(exc))
    recorder.transcript.clear()  # set-up is not the scenario's
    recorder.debug_log.clear()
    yield session_bench
    session_bench.link.listeners.remove(recorder)
    evidence = request.config.getoption("--evidence")
    if evidence:
        rig = session_bench.rig
        header = f"rig={rig.name} target={rig.target} seed={session_bench.seed}"
        recorder.write(Path(evidence) / folder_name(request.node.nodeid), header)


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
