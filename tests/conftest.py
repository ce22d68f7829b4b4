"""Fixtures for the unit and integration tests (the feature suites have theirs in steps/plugin.py)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from fakes.hostboard import host_device  # noqa: F401 - a fixture (a test's parameter would shadow an import: F811)
from support import ROOT, read_line, stop


@pytest.fixture
def simulator_process():
    """`python -m keybench.simulator serve` on a free port, as a separate process; yields (process, port)."""
    proc = subprocess.Popen([sys.executable, "-m", "keybench.simulator", "serve", "--tcp", "127.0.0.1:0",
                             "--seed", "1"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = read_line(proc.stdout, timeout=20)
        assert line.startswith("listening on "), f"unexpected first line {line!r}"
        yield proc, int(line.rsplit(":", 1)[1])
    finally:
        stop(proc)


@pytest.fixture
def simulator_server(simulator_process):
    """The simulator server's port."""
    return simulator_process[1]
