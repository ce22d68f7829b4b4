"""An STM32F4DISCOVERY (or any board running the reference firmware) on a bench.

The device is reached through a pyserial URL: /dev/serial/by-id/... for a board on this machine (a name that
survives USB re-enumeration, unlike /dev/ttyACM0), rfc2217://host:port for a remote bench. Optionally it is
flashed first with an existing tool (rigs/board/flashers.py), retried through re-enumeration; power cycles go
through a configured command (a relay, uhubctl) or the bench operator, else the firmware's debug-link switch.
Rig template: docs/rig-templates/bench-stm32f4.toml.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from keybench.protocol import imkey
from keybench.rigs import guard
from keybench.rigs.board import flashers, power
from keybench.rigs.board.port import BoardPort
from keybench.rigs.board.usb import Retrier
from keybench.rigs.config import BadRigFile, RigConfig, RigError, RigUnavailable, settings_dataclass
from keybench.rigs.firmware_image import ensure_image, repo_path
from keybench.rigs.link import Link
from keybench.rigs.registry import register
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport


@settings_dataclass
class BoardSettings:
    port: str = ""  # /dev/serial/by-id/usb-...-if02, rfc2217://bench:4000 (socket:// for tests)
    baudrate: int = 115200
    open_timeout: float = 10.0
    usb_path: str = ""  # the path that vanishes during re-enumeration; default: port, when it is a local path
    reenumerate_timeout: float = 30.0
    firmware: str = "firmware/build/stm32f4/keybench.elf"  # the ELF (or a .bin) to flash
    build: str = "if-missing"  # make -C firmware stm32f4 when flashing: "if-missing", "always", "never"
    flasher: str = ""  # "", "stm32loader", "openocd", "pyocd" or "st-flash"
    flasher_path: str = ""  # the tool's executable when not on PATH
    flasher_args: tuple[str, ...] = ()  # extra arguments, e.g. ["-s", "-R"] for stm32loader's RTS/DTR wiring
    flash_port: str = ""  # stm32loader's serial port (the ROM bootloader's); default: port
    probe: str = ""  # the ST-LINK serial, to pick one probe among several (openocd, pyocd, st-flash)
    openocd_config: str = "board/stm32f4discovery.cfg"
    pyocd_target: str = "stm32f407vg"
    objcopy: str = flashers.OBJCOPY
    flash_timeout: float = 180.0
    flash_attempts: int = 3
    power_command: tuple[str, ...] = ()  # argv: e.g. ["uhubctl", "-l", "1-1", "-p", "2", "-a", "cycle", "-d", "2"]
    power_by_operator: bool = False  # no command: ask the bench operator to switch it off and on
    command_timeout: float = 60.0
    operator_timeout: float = 300.0


@register("board")
class BoardTarget(Target):
    Settings = BoardSettings

    def __init__(self, rig: RigConfig):
        super().__init__(rig)
        s = self.settings
        if not s.port:
            raise BadRigFile(f"rig {rig.name!r}: settings.port is required (a /dev/serial/by-id/ path or a URL)")
        if s.port.startswith("/dev/") and not s.port.startswith("/dev/serial/by-id/"):
            raise BadRigFile(f"rig {rig.name!r}: port {s.port!r} may change name when the board re-enumerates; "
                           f"use its /dev/serial/by-id/ path (ls -l /dev/serial/by-id/)")
        self.tool = flashers.flasher(s.flasher) if s.flasher else None
        self.usb_path = s.usb_path or (s.port if s.port.startswith("/") else "")
        self.retrier = Retrier(s.flash_attempts, s.flash_timeout, self.usb_path, s.reenumerate_timeout)
        self.port: BoardPort | None = None

    def check_tools(self) -> list[str]:
        found = []
        if self.tool is not None:
            exe = flashers.find_tool(self.tool.name, self.settings.flasher_path, self.tool.install)
            found.append(f"{self.tool.name}: {exe}")
            if self.tool.needs_binary and Path(self.settings.firmware).suffix != ".bin":
                found.append(f"objcopy: {self._objcopy()}")
        if self.settings.power_command:
            name = self.settings.power_command[0]
            if shutil.which(name) is None:
                raise RigUnavailable(f"power command {name!r} not found on PATH (uhubctl: apt-get install uhubctl)")
            found.append(f"power: {' '.join(self.settings.power_command)}")
        return found

    def start(self) -> Transport:
        self.check_tools()
        if self.tool is not None:
            self.flash()
        s = self.settings
        self.port = BoardPort(s.port, s.baudrate, s.open_timeout, self.usb_path, s.reenumerate_timeout).open()
        return self.port

    def flash(self) -> None:
        s, tool = self.settings, self.tool
        if tool.wipes_storage and self.rig.physical:
            serial = self._peek_serial()
            refusal = guard.wipe_refusal(self.rig, serial) if serial is not None else None
            if refusal:  # no answer: a blank board, nothing to lose
                raise RigError(f"not flashing with {tool.name}, which erases the storage sectors: {refusal}")
        exe = flashers.find_tool(tool.name, s.flasher_path, tool.install)
        elf = ensure_image(repo_path(s.firmware), "stm32f4", s.build)
        with tempfile.TemporaryDirectory(prefix="keybench-flash-") as tmp:
            image = flashers.to_binary(elf, Path(tmp), self._objcopy()) if tool.needs_binary else elf
            argv = flashers.command(tool, exe, image, port=s.flash_port or s.port, baudrate=s.baudrate,
                                    probe=s.probe, openocd_config=s.openocd_config, pyocd_target=s.pyocd_target,
                                    extra=tuple(s.flasher_args))
            self.retrier.run(argv, f"flashing with {tool.name}")

    def _objcopy(self) -> str:
        return flashers.find_tool(self.settings.objcopy, "", flashers.OBJCOPY_INSTALL)

    def _peek_serial(self, timeout: float = 2.0) -> str | None:
        """The serial number of the firmware on the board now, or None when nothing answers."""
        s = self.settings
        try:
            port = BoardPort(s.port, s.baudrate, min(s.open_timeout, timeout), self.usb_path, timeout).open()
        except RigError:
            return None
        try:
            return Link(port).apdu_ok(imkey.SERIAL_NUMBER, timeout=timeout).decode("ascii", "replace")
        except Exception:  # noqa: BLE001 - a timeout, an error frame, garbage: no keybench firmware answering
            return None
        finally:
            port.close()

    def stop(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None

    def power_cycle(self, link) -> None:
        if not self._physical_power("power_cycle"):
            super().power_cycle(link)

    def power_on(self, link) -> None:
        """After the firmware's simulated power cut it is off in RAM: a real power cycle boots it too."""
        if not self._physical_power("power_on"):
            super().power_on(link)

    def _physical_power(self, kind: str) -> bool:
        s = self.settings
        if not (s.power_command or s.power_by_operator):
            return False
        self.port.close()  # the port vanishes with the board's USB
        try:
            if s.power_command:
                power.run_power_command(list(s.power_command), s.command_timeout, f"{kind} of {self.describe()}")
            else:
                power.ask_operator(self.rig.name, s.operator_timeout, kind)
        finally:
            self.port.open()  # waits for the port to come back
        return True

    def describe(self) -> str:
        return f"board target at {self.settings.port}"
