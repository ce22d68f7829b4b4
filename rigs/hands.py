"""The device's physical side: what a person does with it. A bench does it through the debug link."""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Callable

from keybench.protocol.debuglink import FB_HALF, Button, Op
from keybench.protocol.status import PIN_WRONG_BASE, SW, describe
from keybench.rigs.link import Link

# Screens whose lines are secrets (the mnemonic words): only their title is ever printed.
SECRET_TITLES = ("Write down your words",)


def describe_screen(lines: list[str]) -> str:
    """The whole screen on one line for a message, never the words of a secret screen."""
    if lines and lines[0].startswith(SECRET_TITLES):
        page = f", {lines[-1]!r}" if len(lines) > 1 and lines[-1].startswith("Page ") else ""
        hidden = len(lines) - 1 - bool(page)
        return f"{lines[0]!r}{page} (its {hidden} lines of words hidden)"
    return " / ".join(repr(line) for line in lines)


def entry_outcome(sw: int) -> bool:
    """What confirming a typed entry may answer besides 9000: the device said no *on its screen*.

    A refused PIN format or word (6A80), a wrong PIN (63Cx), a wrong check word (6943) are the device working;
    steps then read the screen. Anything else (6985: not possible on this screen) is an action that failed.
    """
    return sw in (SW.COMMAND_DATA_ERROR, SW.MNEMONIC_CHECK_FAILED) or sw & 0xFFF0 == PIN_WRONG_BASE


class ActionRefused(AssertionError):
    """The device refused a press, type or choose: names the op, the status word and the screen it shows."""

    def __init__(self, action: str, sw: int, lines: list[str]):
        self.sw, self.lines = sw, lines
        super().__init__(f"the device refused {action}: {describe(sw)}; the screen shows {describe_screen(lines)}")


class NoFramebuffer(RuntimeError):
    """These hands cannot read the display's pixels (a bench operator), or the device answered a bad framebuffer."""


class Hands(ABC):
    """Press a button, type into the current field, choose a menu item, read the screen.

    `allowed` says which status words other than 9000 are an expected outcome of a press (see entry_outcome);
    hands that cannot see status words (a bench operator) ignore it.
    """

    @abstractmethod
    def press(self, button: Button, allowed: Callable[[int], bool] | None = None) -> None: ...

    @abstractmethod
    def type(self, text: str) -> None: ...

    @abstractmethod
    def choose(self, item: str) -> None: ...

    @abstractmethod
    def screen(self) -> list[str]: ...

    def framebuffer(self) -> bytes:
        """The display's 1024-byte framebuffer (docs/protocol.md 3, FRAMEBUFFER). Hands without a debug link
        (a bench operator) cannot read pixels: they raise NoFramebuffer, which says so."""
        raise NoFramebuffer(f"{type(self).__name__} cannot read the device's framebuffer: it needs a debug link")

    def wait_for_screen(self, text: str, timeout: float = 10.0) -> list[str]:
        """Wait until some screen line contains `text`; the screen is re-read on every look, up to `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if any(text in line for line in lines):
                return lines
            if time.monotonic() >= deadline:
                raise AssertionError(f"the device screen never showed {text!r} within {timeout:g} s; "
                                     f"it shows {describe_screen(lines)}")
            time.sleep(0.05)


class DebugLinkHands(Hands):
    """Every action is answered at once by the device, so the screen is up to date when it returns.
    An action the device refuses raises ActionRefused: a refused press never passes silently."""

    def __init__(self, link: Link):
        self.link = link

    def _act(self, op: Op, arg: bytes, action: str, allowed: Callable[[int], bool] | None = None) -> None:
        sw, _ = self.link.debug(op, arg)
        if sw != SW.OK and not (allowed and allowed(sw)):
            raise ActionRefused(action, sw, self.screen())

    def press(self, button: Button, allowed: Callable[[int], bool] | None = None) -> None:
        self._act(Op.PRESS, bytes([button]), f"PRESS {Button(button).name}", allowed)

    def type(self, text: str) -> None:
        self._act(Op.TYPE, text.encode("utf-8"), f"TYPE of {len(text)} characters")

    def choose(self, item: str) -> None:
        self._act(Op.CHOOSE, item.encode("utf-8"), f"CHOOSE {item!r}")

    def screen(self) -> list[str]:
        return self.link.debug_ok(Op.SCREEN).decode("utf-8", "replace").split("\n")

    def framebuffer(self) -> bytes:
        halves = [self.link.debug_ok(Op.FRAMEBUFFER, bytes([half])) for half in (0, 1)]
        for half, data in enumerate(halves):
            if len(data) != FB_HALF:
                raise NoFramebuffer(f"the device answered FRAMEBUFFER half {half} with {len(data)} bytes, "
                                    f"not {FB_HALF}")
        return halves[0] + halves[1]
