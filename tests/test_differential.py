"""The firmware under QEMU passes the four flows' feature suites, and for every scenario its APDU transcript
(commands and answers) equals the simulator's byte for byte."""
import re
import shutil
from pathlib import Path

import pytest

from support import run_pytest

FLOWS = ["features/pairing", "features/pin", "features/restore"]

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None,
                                reason="qemu-system-arm is not installed (scripts/run-all-tests installs it)")


def run_suite(rig: str, evidence: Path) -> str:
    result = run_pytest(*FLOWS, "--rig", rig, "-q", "--evidence", str(evidence), timeout=3000)
    assert result.returncode == 0, f"the suite failed on {rig}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("differential")
    sim_out = run_suite("sim", root / "sim")
    qemu_out = run_suite("qemu-stm32f4", root / "qemu")
    return root, sim_out, qemu_out


def test_every_scenario_passes_on_the_firmware_under_qemu(runs):
    _, sim_out, qemu_out = runs
    passed = re.search(r"(\d+) passed", qemu_out)
    assert passed and passed.group(1) == re.search(r"(\d+) passed", sim_out).group(1)
    assert "skipped" not in qemu_out.strip().splitlines()[-1]


def test_firmware_transcripts_equal_the_simulators(runs):
    root, _, _ = runs
    sim = {p.parent.name: p.read_text() for p in (root / "sim").glob("*/transcript.txt")}
    qemu = {p.parent.name: p.read_text() for p in (root / "qemu").glob("*/transcript.txt")}
    assert sim.keys() == qemu.keys() and len(sim) > 50
    assert sum(t.count("> ") for t in sim.values()) > 300  # real transcripts, not empty files
    differing = [name for name in sim if sim[name] != qemu[name]]
    if differing:
        first = differing[0]
        for i, (a, b) in enumerate(zip(sim[first].splitlines(), qemu[first].splitlines(), strict=False)):
            if a != b:
                pytest.fail(f"{len(differing)} scenarios differ; first {first} at line {i + 1}:\n"
                            f"  sim:  {a}\n  qemu: {b}")
        pytest.fail(f"{len(differing)} scenarios differ in length; first {first}")
