"""Command lines of the existing tools that flash an STM32F4DISCOVERY. keybench only builds and runs them.

- stm32loader: the ROM serial bootloader over a USB-serial adapter, BOOT0 on RTS and NRST on DTR (its
  defaults; -s swaps them, -R / -B invert them: pass those in flasher_args). Takes a raw binary; mass-erases.
- openocd / pyocd: through the on-board ST-LINK (SWD). Take the ELF and erase only the sectors it covers,
  so the storage sectors (1 and 2) survive.
- st-flash (stlink-tools): through the ST-LINK. Takes a raw binary from 0x08000000, so the storage sectors,
  inside that range, are erased.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from keybench.rigs.config import RigError, RigUnavailable

FLASH_BASE = "0x08000000"


@dataclass(frozen=True)
class Flasher:
    name: str
    needs_binary: bool  # a raw image from FLASH_BASE rather than the ELF
    wipes_storage: bool  # erases the storage sectors (the device's PIN, wallet, bindings)
    install: str


FLASHERS = {f.name: f for f in (
    Flasher("stm32loader", True, True, "pip install stm32loader"),
    Flasher("openocd", False, False, "apt-get install openocd"),
    Flasher("pyocd", False, False, "pip install pyocd"),
    Flasher("st-flash", True, True, "apt-get install stlink-tools"),
)}

OBJCOPY = "arm-none-eabi-objcopy"
OBJCOPY_INSTALL = "apt-get install binutils-arm-none-eabi"


def flasher(name: str) -> Flasher:
    try:
        return FLASHERS[name]
    except KeyError:
        raise RigError(f"unknown flasher {name!r}; known: {sorted(FLASHERS)} (or \"\" for none)") from None


def find_tool(name: str, configured: str, install: str) -> str:
    """The executable: the rig file's path if given, else `name` on PATH; RigUnavailable says how to get it."""
    candidate = configured or name
    found = shutil.which(candidate)
    if found is None:
        where = f"{configured!r} (from the rig file)" if configured else f"{name!r} on PATH"
        raise RigUnavailable(f"{name} not found: no {where}; install it: {install}")
    return found


def command(tool: Flasher, exe: str, image: Path, *, port: str = "", baudrate: int = 115200, probe: str = "",
            openocd_config: str = "board/stm32f4discovery.cfg", pyocd_target: str = "stm32f407vg",
            extra: tuple[str, ...] = ()) -> list[str]:
    """argv that writes `image` (a .bin for tools that need one, else the ELF), verifies it and starts it."""
    extra = list(extra)
    if tool.name == "stm32loader":
        if not port:
            raise RigError("stm32loader needs the serial port of the ROM bootloader (settings flash_port or port)")
        return [exe, "-p", port, "-b", str(baudrate), "-f", "F4", *extra, "-e", "-w", "-v", "-g", FLASH_BASE,
                str(image)]
    if tool.name == "openocd":
        select = ["-c", f"adapter serial {probe}"] if probe else []
        return [exe, "-f", openocd_config, *select, *extra, "-c", f"program {image} verify reset exit"]
    if tool.name == "pyocd":
        select = ["-u", probe] if probe else []
        return [exe, "flash", "-t", pyocd_target, *select, *extra, str(image)]
    if tool.name == "st-flash":
        select = ["--serial", probe] if probe else []
        return [exe, *select, "--reset", *extra, "write", str(image), FLASH_BASE]
    raise RigError(f"no command line for flasher {tool.name!r}")


def to_binary(elf: Path, out_dir: Path, objcopy: str, timeout: float = 60.0) -> Path:
    """A raw image from FLASH_BASE; gaps (the storage sectors) are FF, what erased flash holds anyway."""
    if elf.suffix == ".bin":
        return elf
    out = out_dir / (elf.stem + ".bin")
    try:
        r = subprocess.run([objcopy, "-O", "binary", "--gap-fill", "0xff", str(elf), str(out)],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RigError(f"{objcopy} took over {timeout:.0f} s") from None
    if r.returncode != 0:
        raise RigError(f"{objcopy} could not make a binary of {elf}: {r.stderr.strip()[-1000:]}")
    return out
