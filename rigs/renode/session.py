"""One headless Renode process and the one machine it runs: start, load, power, stop.

RenodeProcess owns the process: free ports, a private TMPDIR (Renode deletes every $TMPDIR/renode-* folder
whose suffix is not a live pid when it starts, so a shared TMPDIR would let one Renode wipe another's files),
bounded readiness polling, and a stop that always ends the process. RenodeSession owns what is said to it:
the exact monitor commands for boot and power cut, in one place so the tests can assert them.
"""
from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from keybench.rigs.process import end_process
from keybench.rigs.config import RigError
from keybench.rigs.renode.robot import RobotClient, RobotError

MACHINE = "keybench"
TERMINAL = "kbuart"
UART = "sysbus.usart2"  # the firmware's USART2 at 0x40004400
VECTOR_TABLE = "0x08000000"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def monitor_path(path: Path) -> str:
    """A path as the monitor's `@path` syntax takes it; that syntax ends at whitespace, so refuse it."""
    text = str(Path(path).resolve())
    if any(c.isspace() or c == '"' for c in text):
        raise RigError(f"Renode cannot be given {text!r}: its path has whitespace or quotes; move it")
    return "@" + text


def boot_commands(platform: Path, elf: Path, uart_port: int) -> list[str]:
    """Monitor commands from an empty emulation to a loaded machine with its UART on a TCP server."""
    return [
        f'mach create "{MACHINE}"',
        f"machine LoadPlatformDescription {monitor_path(platform)}",
        f"sysbus LoadELF {monitor_path(elf)}",
        f"sysbus.cpu VectorTableOffset {VECTOR_TABLE}",
        f'emulation CreateServerSocketTerminal {uart_port} "{TERMINAL}" false',
        f"connector Connect {UART} {TERMINAL}",
    ]


# A power cut: RAM is lost (cleared), flash is kept (memory survives `machine Reset`), the core restarts from
# the vector table. The terminal and its TCP client stay connected, as a board's USB-serial adapter would.
POWER_CUT_COMMANDS = ["sysbus.sram ZeroAll", "machine Reset", f"sysbus.cpu VectorTableOffset {VECTOR_TABLE}"]


class RenodeSession:
    def __init__(self, robot: RobotClient, platform: Path, elf: Path):
        self.robot, self.platform, self.elf = robot, platform, elf

    def boot(self, uart_port: int) -> None:
        self.robot.keyword("ResetEmulation")
        for command in boot_commands(self.platform, self.elf, uart_port):
            self.robot.command(command)
        self.robot.keyword("StartEmulation")

    def pause(self) -> None:
        self.robot.command("pause")

    def power_cut_and_start(self) -> None:
        """After pause(): clear RAM, reset, start again from flash."""
        for command in POWER_CUT_COMMANDS:
            self.robot.command(command)
        self.robot.keyword("StartEmulation")


class RenodeProcess:
    def __init__(self, renode: str, start_timeout: float = 60.0, stop_timeout: float = 10.0,
                 command_timeout: float = 60.0, keep_workdir: bool = False):
        self.renode = renode
        self.start_timeout, self.stop_timeout, self.command_timeout = start_timeout, stop_timeout, command_timeout
        self.keep_workdir = keep_workdir
        self.workdir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.robot: RobotClient | None = None

    def argv(self, robot_port: int, monitor_port: int) -> list[str]:
        return [self.renode, "--disable-xwt", "--robot-server-port", str(robot_port),
                "--port", str(monitor_port), "--pid-file", str(self.workdir / "emulator.pid")]

    def start(self) -> RobotClient:
        # Our folder's name must not start with "renode-": Renode would take it for a dead instance's.
        self.workdir = Path(tempfile.mkdtemp(prefix="keybench-rn-"))
        robot_port = free_port()
        env = {**os.environ, "TMPDIR": str(self.workdir)}
        with open(self.workdir / "emulator.log", "ab") as log:
            self.proc = subprocess.Popen(self.argv(robot_port, free_port()), cwd=self.workdir, env=env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        atexit.register(self.stop)  # a run interrupted past fixture teardown still ends Renode
        self.robot = RobotClient(robot_port, timeout=self.command_timeout)
        self._wait_ready()
        return self.robot

    def _wait_ready(self) -> None:
        """Poll the robot server until it lists its keywords: Renode takes seconds to come up."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.proc.poll() is not None:
                raise RigError(f"Renode exited while starting (code {self.proc.returncode}){self.log_suffix()}")
            try:
                self.robot.keyword_names()
                return
            except RobotError as exc:
                if time.monotonic() >= deadline:
                    raise RigError(f"Renode's robot server did not answer within {self.start_timeout:.0f} s "
                                   f"({exc}){self.log_suffix()}") from None
            time.sleep(0.1)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Ask Renode to quit, then terminate, then kill: every step bounded. Safe to call twice."""
        atexit.unregister(self.stop)
        if self.robot is not None and self.alive():
            self.robot.stop_server()
        self.robot = None
        if self.proc is not None:
            end_process(self.proc, self.stop_timeout)
            self.proc = None
        if self.workdir is not None and not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def log_suffix(self, n: int = 2000) -> str:
        try:
            tail = (self.workdir / "emulator.log").read_text(errors="replace")[-n:].strip()
        except (OSError, TypeError):
            return ""
        return f"\nRenode log:\n{tail}" if tail else ""
