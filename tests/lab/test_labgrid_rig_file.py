"""The labgrid rig file's mistakes, and a coordinator that is not there: one clear line, the right exit code."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from lab_kit import LabKit

from keybench.rigs.config import BadRigFile, load_rig
from keybench.rigs.targets.labgrid import LabgridTarget
from support import ROOT


def _rig(tmp_path, settings: str):
    path = tmp_path / "lab.toml"
    path.write_text(f'target = "labgrid"\ncapabilities = ["debug_link"]\n[settings]\n{settings}\n')
    return load_rig(str(path))


def test_place_and_filter_are_one_or_the_other(tmp_path):
    with pytest.raises(BadRigFile, match="either place .* or filter .*not both"):
        LabgridTarget(_rig(tmp_path, 'coordinator = "127.0.0.1:1"\nplace = "a"\nfilter = "board=x"'))
    with pytest.raises(BadRigFile, match="not neither"):
        LabgridTarget(_rig(tmp_path, 'coordinator = "127.0.0.1:1"'))


def test_a_filter_must_use_labgrids_tag_syntax(tmp_path):
    with pytest.raises(BadRigFile, match=r"settings.filter: 'Board' should be key=value"):
        LabgridTarget(_rig(tmp_path, 'coordinator = "127.0.0.1:1"\nfilter = "Board"'))


def test_a_missing_coordinator_setting_names_the_key(tmp_path):
    with pytest.raises(BadRigFile, match="settings.coordinator: required"):
        LabgridTarget(_rig(tmp_path, 'place = "a"'))


def test_an_unreachable_coordinator_is_a_broken_bench(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rig = tmp_path / "lab.toml"
    rig.write_text(f'target = "labgrid"\ncapabilities = ["debug_link"]\n[settings]\ncoordinator = "127.0.0.1:{port}"\n'
                   f'place = "a"\nconnect_timeout = 2.0\n')
    result = subprocess.run([sys.executable, "-m", "keybench.rigs", "doctor", "--rig", str(rig)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"could not reach the labgrid coordinator at 127.0.0.1:{port}" in result.stdout


def test_an_unknown_place_is_named_with_the_places_there_are(tmp_path):
    kit = LabKit(tmp_path)
    try:
        kit.add_sim_place("sim-a", {"board": "sim"})
        kit.start_exporter()
        rig = kit.rig(tmp_path, "lab-typo", {"place": "sim-x"})
        result = subprocess.run([sys.executable, "-m", "keybench.rigs", "doctor", "--rig", str(rig)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "has no place 'sim-x' (places: sim-a)" in result.stdout
    finally:
        assert kit.close() == {}


def test_the_lab_template_is_a_valid_rig_file():
    rig = load_rig(str(ROOT / "docs" / "rig-templates" / "lab.toml"))
    target = LabgridTarget(rig)
    assert target.tags == {"board": "stm32f4", "tag": "imkey"}
    assert rig.physical and rig.has("power_cycle")
