"""Running bench tools through USB re-enumeration: a board's USB port vanishes while it is flashed, reset or
power-cycled, and comes back (under the same /dev/serial/by-id name) a moment later. Every wait is bounded."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from keybench.rigs.config import RigError

POLL_S = 0.1  # how often a vanished port is looked for: it is an external process's readiness


def wait_for_path(path: str, timeout: float) -> bool:
    """True once `path` exists (at once when it does), False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


@dataclass
class ToolRun:
    argv: list[str]
    returncode: int | None  # None: killed at its timeout
    output: str


def run_tool(argv: list[str], timeout: float) -> ToolRun:
    """Run a tool to the end or kill it at `timeout`; never raises for the tool's own failure."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return ToolRun(argv, r.returncode, (r.stdout + r.stderr)[-4000:])
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"") + (exc.stderr or b"")
        text = out.decode(errors="replace") if isinstance(out, bytes) else out
        return ToolRun(argv, None, text[-4000:] + f"\n(killed after {timeout:.0f} s)")
    except OSError as exc:
        return ToolRun(argv, 127, f"cannot run {argv[0]}: {exc}")


@dataclass
class Retrier:
    """Run a tool up to `attempts` times; before each attempt and after success, wait for `usb_path` (when a
    local device path is given) to be back, at most `reenumerate_timeout` seconds each time."""
    attempts: int = 3
    tool_timeout: float = 180.0
    usb_path: str = ""
    reenumerate_timeout: float = 30.0
    runs: list[ToolRun] = field(default_factory=list)

    def run(self, argv: list[str], what: str) -> ToolRun:
        first = len(self.runs)
        for _ in range(max(self.attempts, 1)):
            self._wait_usb(what)
            result = run_tool(argv, self.tool_timeout)
            self.runs.append(result)
            if result.returncode == 0:
                self._wait_usb(what)  # the board resets at the end and re-enumerates
                return result
        last = self.runs[-1]
        status = "timed out" if last.returncode is None else f"exit code {last.returncode}"
        raise RigError(f"{what} failed {len(self.runs) - first} times ({status}): {' '.join(argv)}\n"
                       f"{last.output.strip()}")

    def _wait_usb(self, what: str) -> None:
        if self.usb_path and not wait_for_path(self.usb_path, self.reenumerate_timeout):
            raise RigError(f"{what}: the board's USB port {self.usb_path} did not come back within "
                           f"{self.reenumerate_timeout:.0f} s (unplugged? a hub port switched off?)")
