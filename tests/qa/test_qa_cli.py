"""The keybench command: every command has --help with examples and --version; the exit codes are the README's."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keybench import __version__
from qa_project import ROOT, run
from support import write_rig

COMMANDS = ["run", "doctor", "rigs", "steps", "sim"]


def keybench(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run(cwd, "keybench", *args)


def test_the_console_script_is_installed():
    script = Path(sys.executable).parent / "keybench"
    assert script.is_file(), f"no {script}: pyproject's [project.scripts] is installed by `pip install -e .`"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"keybench {__version__}"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help_with_examples_and_a_version(command):
    words = [command] if command else []
    helped = keybench(*words, "--help")
    assert helped.returncode == 0, helped.stderr
    assert "examples:" in helped.stdout and f"keybench {command or 'run'}" in helped.stdout
    version = keybench(*words, "--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"keybench {__version__}")


def test_a_command_line_keybench_cannot_use_exits_2():
    assert keybench().returncode == 2
    unknown = keybench("frobnicate")
    assert unknown.returncode == 2 and "invalid choice: 'frobnicate'" in unknown.stderr


def test_rigs_lists_each_rig_file_with_target_and_capabilities(tmp_path):
    write_rig(tmp_path, "mybench", "sim", ["debug_link"], {})
    (tmp_path / "broken.toml").write_text('name = "broken"\ntarget = "sim"\ncapabilities = "all"\n')
    result = keybench("rigs", str(tmp_path))
    assert "sim  (" in result.stdout and "debug_link, destructive, factory_erase, power_cut, power_cycle" \
        in result.stdout
    assert f"mybench  ({tmp_path / 'mybench.toml'})" in result.stdout
    assert result.returncode == 2 and "broken.toml" in result.stderr and "capabilities" in result.stderr


def test_doctor_speaks_the_doctors_exit_codes(tmp_path):
    assert keybench("doctor", "--rig", "sim").returncode == 0
    unknown = keybench("doctor", "--rig", "no-such-rig")
    assert unknown.returncode == 2, unknown.stdout + unknown.stderr


def test_steps_prints_the_catalogue():
    result = keybench("steps")
    assert result.returncode == 0
    assert 'Then the device screen shows "{text}"' in result.stdout
    assert 'e.g. Then the ETH address at "m/44\'/60\'/0\'/0/0" is "0x' in result.stdout


def test_sim_serve_hands_its_options_to_the_simulator():
    refused = keybench("sim", "serve", "--tcp", "nowhere")
    assert refused.returncode == 2 and "HOST:PORT" in refused.stderr
