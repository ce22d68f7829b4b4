"""The run of the report probe (tests/report/report_probe.py) that several report tests read: once per session."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from report_probe import report_project, run_with_reports


@pytest.fixture(scope="session")
def serial_reports(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The probe run serially, with every report; exit 1 for its one failing scenario."""
    folder = report_project(tmp_path_factory.mktemp("serial-reports"))
    result = run_with_reports(folder, "-q")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 passed, 1 failed, 1 skipped" in result.stdout or "1 failed, 3 passed, 1 skipped" in result.stdout, \
        result.stdout[-2000:]
    return folder, result
