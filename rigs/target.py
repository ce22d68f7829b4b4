"""A target starts and stops one device and powers it; a transport reaches it. One small class per backend."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from keybench.protocol.debuglink import Op
from keybench.rigs.config import RigConfig, settings_dataclass, settings_from
from keybench.rigs.transport import Transport

if TYPE_CHECKING:
    from keybench.rigs.link import Link


@settings_dataclass
class NoSettings:
    """For targets whose rig file has no [settings]."""


class Target(ABC):
    kind: ClassVar[str]  # set by rigs.registry.register
    Settings: ClassVar[type] = NoSettings

    def __init__(self, rig: RigConfig):
        self.rig = rig
        self.settings = settings_from(self.Settings, rig)

    @abstractmethod
    def start(self) -> Transport:
        """Power the device up and return a transport to it. Raises RigError if it cannot be reached."""

    @abstractmethod
    def stop(self) -> None:
        """Power down and free everything start() took (processes, ports). Safe to call twice."""

    def power_cycle(self, link: "Link") -> None:
        """Off and on again, storage kept, RAM lost. Default: the device's own debug-link power switch."""
        link.debug_ok(Op.POWER_CYCLE)

    def power_on(self, link: "Link") -> None:
        """Boot a device that a power cut switched off."""
        link.debug_ok(Op.POWER_ON)

    def check_tools(self) -> list[str]:
        """Find the programs this target needs (emulator, flasher) without starting anything; one line per tool
        found. Raises RigUnavailable, naming how to install it, when one is missing. Default: none needed."""
        return []

    def capabilities(self) -> frozenset[str]:
        """What the rig can do: the rig file's list, unless the bench says less (a labgrid place without a power
        switch cannot power_cycle). Asked once before the run; starts nothing."""
        return self.rig.capabilities

    def one_device_per_worker(self) -> bool:
        """Whether each pytest -n worker opening this rig gets a device of its own. Emulators and simulators start
        one per worker; a physical bench (physical = true) has one device, which workers would talk over."""
        return not self.rig.physical

    def survey(self) -> list[str]:
        """What the doctor reports about the bench before opening it (a lab's coordinator, places, holders,
        resources), one line each. Raises RigError when the bench cannot be reached. Default: nothing."""
        return []

    def health(self) -> str | None:
        """What broke on this bench (an emulator exited, a port vanished), or None while it looks alive.
        Asked after a scenario fails, to tell a dead bench from a product failure. Default: nothing to check."""
        return None

    def describe(self) -> str:
        return f"{self.kind} target of rig {self.rig.name!r}"
