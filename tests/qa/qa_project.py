"""A QA project of its own in a temporary folder, the way a QA team keeps features beside keybench (issue 11).

keybench is installed (the run scripts install it, editable): its pytest11 entry point loads the plugin, so the
project has no conftest line for it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 300


def make_project(folder: Path, features: dict[str, str], files: dict[str, str] | None = None) -> Path:
    """features: 'mine/x.feature' -> text, under folder/features; files: any other file, by relative path."""
    for relative, text in {**{f"features/{k}": v for k, v in features.items()}, **(files or {})}.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def run(folder: Path, *command: str) -> subprocess.CompletedProcess:
    """`python -m pytest ...` (or another module) in the project, with keybench as installed."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    return subprocess.run([sys.executable, "-m", *command], cwd=folder, capture_output=True, text=True, env=env,
                          timeout=TIMEOUT_S)


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run(folder, "pytest", "-p", "no:cacheprovider", "--rootdir", str(folder), *args)


def collected(result: subprocess.CompletedProcess) -> list[str]:
    """The node ids of `--collect-only -q`."""
    return [line for line in result.stdout.splitlines() if "::" in line]
