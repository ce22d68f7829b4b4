"""The device's physical side: what a person does with it. A bench does it through the debug link."""
from __future__ import annotations

import time
from abc import ABC, abstractmethod

from protocol.debuglink import Button, Op
from rigs.link import Link


class Hands(ABC):
    """Press a button, type into the current field, choose a menu item, read the screen."""

    @abstractmethod
    def press(self, button: Button) -> None: ...

    @abstractmethod
    def type(self, text: str) -> None: ...

    @abstractmethod
    def choose(self, item: str) -> None: ...

    @abstractmethod
    def screen(self) -> list[str]: ...

    def wait_for_screen(self, text: str, timeout: float = 10.0) -> list[str]:
        """Wait until some screen line contains `text`; the screen is re-read on every look, up to `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if any(text in line for line in lines):
                return lines
            if time.monotonic() >= deadline:
                raise AssertionError(f"the device screen never showed {text!r} within {timeout:.0f} s; "
                                     f"it shows {lines[:1]}")
            time.sleep(0.05)


class DebugLinkHands(Hands):
    """Every action is answered at once by the device, so the screen is up to date when it returns."""

    def __init__(self, link: Link):
        self.link = link
        self.last_status = 0x9000

    def press(self, button: Button) -> None:
        self.last_status, _ = self.link.debug(Op.PRESS, bytes([button]))

    def type(self, text: str) -> None:
        self.last_status, _ = self.link.debug(Op.TYPE, text.encode("ascii"))

    def choose(self, item: str) -> None:
        self.last_status, _ = self.link.debug(Op.CHOOSE, item.encode("ascii"))

    def screen(self) -> list[str]:
        return self.link.debug_ok(Op.SCREEN).decode("utf-8", "replace").split("\n")
