"""Ending an emulator process: give it time to exit by itself, then terminate, then kill, each step bounded."""
from __future__ import annotations

import subprocess


def end_process(proc: subprocess.Popen, timeout: float) -> None:
    for action in (None, proc.terminate, proc.kill):
        if action is not None:
            action()
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
