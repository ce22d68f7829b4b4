"""Fixtures for the labgrid tests: a real coordinator and exporter on loopback (tests/lab/lab_kit.py)."""
from __future__ import annotations

import shutil

import pytest
from lab_kit import LabKit


@pytest.fixture
def sim_lab(tmp_path):
    """Two places whose devices are simulator servers, without power switches."""
    kit = LabKit(tmp_path)
    try:
        kit.add_sim_place("sim-a", {"board": "sim", "tag": "imkey"})
        kit.add_sim_place("sim-b", {"board": "sim", "tag": "imkey"})
        kit.start_exporter()
        yield kit
    finally:
        assert kit.close() == {}, "a place was left locked"


@pytest.fixture(scope="module")
def qemu_lab(tmp_path_factory):
    """Two places whose devices are the firmware under QEMU, each with a power switch."""
    if shutil.which("qemu-system-arm") is None:
        pytest.skip("qemu-system-arm is not installed (scripts/run-all-tests installs it)")
    kit = LabKit(tmp_path_factory.mktemp("qemu-lab"))
    try:
        kit.add_qemu_place("qemu-a", {"board": "stm32f4", "tag": "imkey"})
        kit.add_qemu_place("qemu-b", {"board": "stm32f4", "tag": "imkey"})
        kit.start_exporter()
        yield kit
    finally:
        assert kit.close() == {}, "a place was left locked"
