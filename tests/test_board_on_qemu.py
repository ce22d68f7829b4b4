"""The board target's serial path, preflight and guard rail against the reference firmware on QEMU behind a
socket:// URL: a bench board, with QEMU standing in for the board."""
import shutil
import subprocess
import sys

import pytest

from fakes.hostboard import board_rig
from keybench.rigs.config import load_rig
from keybench.rigs.targets.qemu import QemuTarget
from support import ROOT, run_pytest

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None,
                                reason="qemu-system-arm is not installed (scripts/run-all-tests installs it)")
SERIAL = "imKey01191200001"


@pytest.fixture
def qemu_board_port():
    """QEMU running the firmware; its USART2 is left free for the board target to open."""
    target = QemuTarget(load_rig("qemu-stm32f4"))
    target.start().close()  # booted and answering; now hand the serial port over
    try:
        yield f"socket://127.0.0.1:{target.serial_port}"
    finally:
        target.stop()


def test_doctor_passes_a_board_rig_on_qemu(qemu_board_port, tmp_path):
    rig = board_rig(tmp_path, {"port": qemu_board_port}, physical=True, allowed=(SERIAL,))
    result = subprocess.run([sys.executable, "-m", "keybench.rigs", "doctor", "--rig", str(rig)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert SERIAL in result.stdout and "1.5.08" in result.stdout


def test_the_suites_pass_on_an_allowed_board_on_qemu(qemu_board_port, tmp_path):
    rig = board_rig(tmp_path, {"port": qemu_board_port}, physical=True, allowed=(SERIAL,))
    result = run_pytest("features/pairing", "features/pin", "--rig", str(rig), "-q", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "skipped" not in result.stdout.strip().splitlines()[-1]


def test_a_board_whose_serial_is_not_allowed_is_never_wiped(qemu_board_port, tmp_path):
    rig = board_rig(tmp_path, {"port": qemu_board_port}, physical=True, allowed=("imKey00000000000",))
    result = run_pytest("features/pin", "--rig", str(rig), "-q", "-rs", timeout=900)
    assert result.returncode == 5, result.stdout[-3000:]  # nothing ran, and the run says so
    assert f"device serial '{SERIAL}' is not in allowed_serials" in result.stdout
    assert " passed" not in result.stdout.strip().splitlines()[-1]  # every pin scenario wipes or erases
