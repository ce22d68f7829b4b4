"""A bench board's power and reset: a configured command (a relay, uhubctl on the board's hub port) or the
bench operator. The command is an argv list, never a shell string, and runs with a timeout."""
from __future__ import annotations

from keybench.rigs.board.usb import run_tool
from keybench.rigs.config import RigError
from keybench.rigs.operator import OperatorRequest, ask


def run_power_command(argv: list[str], timeout: float, what: str) -> None:
    result = run_tool(list(argv), timeout)
    if result.returncode != 0:
        status = "timed out" if result.returncode is None else f"exit code {result.returncode}"
        raise RigError(f"{what}: `{' '.join(argv)}` failed ({status}): {result.output.strip()[-1000:]}")


def ask_operator(rig: str, timeout: float, kind: str) -> None:
    """The operator switches the board off and on (NeedsOperator, a skip, when nobody is at a terminal)."""
    text = {"power_cycle": "Switch the board off (unplug its USB), then on again.",
            "power_on": "The board lost power in a test: switch it off and on again."}[kind]
    ask(OperatorRequest(kind, "power-cycle the board", text, rig, timeout))
