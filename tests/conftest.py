"""Fixtures for the unit and integration tests (the feature suites have theirs in steps/plugin.py)."""
from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def read_line(stream, timeout: float) -> str:
    """One line from a child's stdout, or fail after `timeout` (a pipe read alone would block forever)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no line from the child process within {timeout} s") from None


@pytest.fixture
def simulator_server():
    """`python -m simulator serve` on a free port, as a separate process; yields the port."""
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--tcp", "127.0.0.1:0", "--seed", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = read_line(proc.stdout, timeout=20)
        assert line.startswith("listening on "), f"unexpected first line {line!r}"
        yield int(line.rsplit(":", 1)[1])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def write_rig(folder: Path, name: str, target: str, capabilities: list[str], settings: dict,
              seed: int | None = 1) -> Path:
    lines = [f'name = "{name}"', f'target = "{target}"', f"capabilities = {capabilities!r}".replace("'", '"')]
    if seed is not None:
        lines.append(f"seed = {seed}")
    lines.append("[settings]")
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in settings.items()]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_pytest(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
