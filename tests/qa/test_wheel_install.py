"""keybench's wheel in a fresh virtualenv, used by a QA project of its own with its own steps/ package (issue 11).

Nothing of the repository is on the path: the project has the wheel, a rig file and its features. Installing
keybench is all it needs (the plugin registers through its pytest11 entry point; no conftest line), and its
`steps` package never collides with keybench's, which is `keybench.steps`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 600

FEATURE = """\
@mine
Feature: A QA team's own feature
  Scenario: keybench's steps and the team's own step in one scenario
    Given a device with the PIN "123456" and a 12-word wallet
    When the app is paired with the device
    Then the team's own check passes on "Wallet ready"
"""

OWN_STEPS = '''\
"""The QA team's own step library: a package named steps, as pytest-bdd projects usually have."""
from pytest_bdd import parsers, then


@then(parsers.parse('the team\\'s own check passes on "{text}"'))
def own_check(bench, text):
    lines = bench.user.screen()
    assert any(text in line for line in lines), lines
'''

RIG = """\
name = "qa-sim"
target = "sim"
capabilities = ["debug_link", "power_cut", "power_cycle", "factory_erase", "destructive"]
seed = 7
"""


def run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with keybench's wheel (built from this checkout) and its dependencies."""
    work = tmp_path_factory.mktemp("wheel")
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(ROOT)], work)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("keybench-*.whl")
    made = run([sys.executable, "-m", "venv", str(work / "venv")], work)
    assert made.returncode == 0, made.stderr[-2000:]
    python = work / "venv" / "bin" / "python"
    installed = run([str(python), "-m", "pip", "install", "-q", str(wheel)], work)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return work / "venv"


def test_the_wheel_holds_one_keybench_namespace(venv):
    listing = run([str(venv / "bin" / "python"), "-c", textwrap.dedent("""
        import importlib.util
        for name in ("keybench.steps", "keybench.rigs", "keybench.simulator", "keybench.protocol", "steps",
                     "rigs", "simulator", "protocol"):
            print(name, importlib.util.find_spec(name) is not None)
    """)], venv)
    assert listing.stdout.split() == ["keybench.steps", "True", "keybench.rigs", "True", "keybench.simulator", "True",
                                      "keybench.protocol", "True", "steps", "False", "rigs", "False",
                                      "simulator", "False", "protocol", "False"], listing.stdout + listing.stderr


def test_a_qa_project_with_its_own_steps_runs_on_the_simulator_with_no_conftest_line(venv, tmp_path):
    project = tmp_path / "qa-repo"
    (project / "features" / "mine").mkdir(parents=True)
    (project / "features" / "mine" / "x.feature").write_text(FEATURE)
    (project / "steps").mkdir()
    (project / "steps" / "__init__.py").write_text("")
    (project / "steps" / "team_steps.py").write_text(OWN_STEPS)
    (project / "benches").mkdir()
    (project / "benches" / "qa-sim.toml").write_text(RIG)
    # The team loads its own step package the usual pytest way; keybench needs no line at all.
    (project / "conftest.py").write_text('pytest_plugins = ["steps.team_steps"]\n')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "KEYBENCH_RIG")}
    result = run([str(venv / "bin" / "pytest"), "features/mine/x.feature", "--rig", "benches/qa-sim.toml", "-q",
                  "-p", "no:cacheprovider"], project, env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
    assert "keybench" not in (project / "conftest.py").read_text()
