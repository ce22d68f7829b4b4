"""The firmware as tests drive it, on two backends with one interface:

- "host": the host build (build/host/keybench-device) on a local TCP port; a power cycle kills the process
  and starts it again on the same storage file (RAM really lost);
- "qemu": the qemu board image under QEMU through rigs/targets/qemu.py; a power cycle is a QMP system_reset.

    dev = open_device("qemu")      # pytest.skip()s with the reason when a tool is missing
    dev.link.apdu(...); dev.power_cycle(); dev.close()
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
for p in (str(REPO), str(Path(__file__).resolve().parent)):
    if p not in sys.path:
        sys.path.insert(0, p)

from hostdev import HostDevice  # noqa: E402
from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.rigs.config import RigConfig  # noqa: E402
from keybench.rigs.link import Link  # noqa: E402

BACKENDS = ("host", "qemu")


def missing_tools(kind: str) -> str | None:
    """Why `kind` cannot run here, or None."""
    need = ["make"] + (["cc"] if kind == "host" else ["arm-none-eabi-gcc", "qemu-system-arm"])
    for tool in need:
        if shutil.which(tool) is None and not (tool == "cc" and shutil.which("gcc")):
            return f"{tool} is not installed"
    return None


class FwDevice:
    kind = ""

    def __init__(self):
        self.link: Link | None = None

    def power_cycle(self) -> None:
        raise NotImplementedError

    def power_on(self) -> None:
        """Boot after a power cut (the firmware is off in RAM)."""
        self.power_cycle()

    def close(self) -> None:
        raise NotImplementedError

    @property
    def storage(self) -> Path:
        raise NotImplementedError


class HostFw(FwDevice):
    kind = "host"

    def __init__(self, seed: int = 0):
        super().__init__()
        self.dev = HostDevice(seed=seed).start()
        self.link = Link(self.dev.transport())

    def power_cycle(self) -> None:
        """Kill the process and start it again on the same storage; the same Link object carries on."""
        from keybench.protocol.framing import FrameDecoder
        self.link.close()
        self.dev.restart()
        self.link.transport = self.dev.transport()
        self.link._decoder = FrameDecoder()

    def power_on(self) -> None:
        self.link.debug_ok(Op.POWER_ON)

    @property
    def storage(self) -> Path:
        return self.dev.storage

    def close(self) -> None:
        if self.link:
            self.link.close()
        self.dev.stop()


class QemuFw(FwDevice):
    kind = "qemu"

    def __init__(self, **settings):
        super().__init__()
        from keybench.rigs.targets.qemu import QemuTarget
        rig = RigConfig(name="firmware-tests", target="qemu",
                        capabilities=frozenset({"debug_link", "power_cut", "power_cycle", "factory_erase"}),
                        settings={"build": "always", **settings})
        self.target = QemuTarget(rig)
        self.link = Link(self.target.start())

    def power_cycle(self) -> None:
        self.target.power_cycle(self.link)

    def power_on(self) -> None:
        self.target.power_on(self.link)

    @property
    def storage(self) -> Path:
        return self.target.storage_path

    def close(self) -> None:
        try:
            if self.link:
                self.link.close()
        finally:
            self.target.stop()


def open_device(kind: str) -> FwDevice:
    import pytest
    why = missing_tools(kind)
    if why:
        pytest.skip(f"firmware {kind} backend unavailable: {why}")
    return HostFw() if kind == "host" else QemuFw()
