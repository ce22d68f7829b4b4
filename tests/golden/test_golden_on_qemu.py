"""The golden screens recorded on the simulator hold on the reference firmware under QEMU: every scenario of the
four seed flows and the backup suite shows the same pixels, screen for screen."""
from __future__ import annotations

import re
import shutil

import pytest

from keybench.steps.pictures import read_screen
from support import run_pytest
from test_golden_runs import evidence_folders, golden_folder_of

pytestmark = pytest.mark.skipif(shutil.which("qemu-system-arm") is None,
                                reason="qemu-system-arm is not installed (scripts/run-all-tests installs it)")


def test_every_golden_screen_holds_on_the_firmware_under_qemu(tmp_path):
    result = run_pytest("features", "--rig", "qemu-stm32f4", "--golden-strict", "-q", "--evidence", str(tmp_path),
                        timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:]
    passed = int(re.search(r"(\d+) passed", result.stdout).group(1))
    assert "skipped" not in result.stdout.splitlines()[-1] and passed > 50
    assert f"golden screens: {passed} compared" in result.stdout
    pictures = 0
    for folder in evidence_folders(tmp_path).values():  # the firmware's own pictures, beside the golden ones
        golden = golden_folder_of(folder)
        for number, picture in enumerate(sorted(folder.glob("[0-9][0-9]-*.png")), 1):
            assert read_screen(picture) == read_screen(golden / f"{number:02d}.png"), picture
            pictures += 1
    assert pictures > passed
