"""Helpers shared by the tests (not a conftest: tests/ble has its own, and module names must not clash)."""
from __future__ import annotations

import queue
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_line(stream, timeout: float) -> str:
    """One line from a child's stdout, or fail after `timeout` (a pipe read alone would block forever)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError(f"no line from the child process within {timeout} s") from None


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """End a child the tests started: terminate, then kill, each wait bounded."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


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


def fake_renode(folder: Path) -> tuple[Path, Path]:
    """A `renode` executable in `folder` that runs the fake Renode (tests/fakes/renode.py), and the device it runs
    behind its UART: the host build of the firmware. Skips the calling test when that build is not available."""
    import stat

    import pytest

    sys.path.insert(0, str(ROOT / "firmware" / "tools"))
    try:
        from hostdev import build_host
        device = build_host()
    except (ImportError, FileNotFoundError, RuntimeError) as exc:
        pytest.skip(f"the host build of the firmware (the fake Renode's machine) is not available: {exc}")
    exe = folder / "renode"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {ROOT / 'tests' / 'fakes' / 'renode.py'} \"$@\"\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe, device
