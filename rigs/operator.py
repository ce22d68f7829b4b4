"""A bench operator's hands: on a rig without a debug link, a person does the device's physical side.

Each physical action (type on the device, confirm, choose a menu item, read the screen, power-cycle) becomes a
question to the operator through a prompt function, and every question is bounded by a timeout. The default
prompt is the terminal (/dev/tty, so pytest's output capture does not hide it); with no terminal, an action
raises NeedsOperator, which the keybench plugin turns into a skip naming the rig and the action.

A prompt is any callable `prompt(request: OperatorRequest) -> str` that returns within `request.timeout`
(raising OperatorTimeout otherwise) or raises NoOperator when nobody can answer. Scripted prompts drive tests.
"""
from __future__ import annotations

import os
import select
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from keybench.protocol.debuglink import Button
from keybench.rigs.hands import Hands, describe_screen

DEFAULT_OPERATOR_TIMEOUT_S = 300.0
DONE_ANSWERS = {"", "y", "yes", "ok", "done"}
SKIP_ANSWERS = {"s", "skip"}


class NoOperator(Exception):
    """Nobody can answer: no terminal, or KEYBENCH_OPERATOR=none."""


class NeedsOperator(Exception):
    """A physical action that only a bench operator at a terminal can do; the plugin makes it a skip."""

    def __init__(self, rig: str, action: str, detail: str = ""):
        self.rig, self.action, self.detail = rig, action, detail
        super().__init__(f"rig {rig!r} needs a bench operator at a terminal for: {action}")

    @property
    def reason(self) -> str:
        return str(self)


class OperatorSkipped(NeedsOperator):
    """The operator chose to skip this action (answered 'skip')."""

    def __init__(self, rig: str, action: str):
        Exception.__init__(self, f"the bench operator of rig {rig!r} skipped: {action}")
        self.rig, self.action, self.detail = rig, action, ""


class OperatorTimeout(TimeoutError):
    """The operator did not answer in time."""


class OperatorRefused(AssertionError):
    """The operator says the action could not be done (the device did not do what was asked)."""


@dataclass(frozen=True)
class OperatorRequest:
    kind: str  # press | type | type_confirm | choose | screen | power_cycle | power_on
    action: str  # short phrase for skip reasons and logs; never the typed text (a PIN, a word)
    text: str  # the full instruction shown to the operator
    rig: str
    timeout: float
    multiline: bool = False  # the answer is the screen, one line per line, ending with an empty line
    args: dict[str, Any] = field(default_factory=dict)
    target: Any = None  # the Target asking (lets a simulated operator find the simulated device)


Prompt = Callable[[OperatorRequest], str]


class TerminalPrompt:
    """Ask on the controlling terminal; bounded by the request's timeout (select, no stray reader threads)."""

    def __init__(self, tty: str = "/dev/tty"):
        self.tty = tty

    def __call__(self, request: OperatorRequest) -> str:
        if os.environ.get("KEYBENCH_OPERATOR", "").strip().lower() in ("none", "off", "0", "no"):
            raise NoOperator("KEYBENCH_OPERATOR=none")
        try:
            fd = os.open(self.tty, os.O_RDWR | os.O_NOCTTY)
        except OSError as exc:
            raise NoOperator(f"no terminal ({self.tty}: {exc.strerror})") from None
        try:
            hint = ("type each line the screen shows, title first, then an empty line" if request.multiline
                    else "press Enter when done; 'skip' to skip this scenario; anything else reports a failure")
            os.write(fd, f"\n[keybench] rig {request.rig}: {request.text}\n({hint}, within {request.timeout:.0f} s)\n> "
                     .encode())
            return self._read(fd, request)
        finally:
            os.close(fd)

    @staticmethod
    def _read(fd: int, request: OperatorRequest) -> str:
        deadline = time.monotonic() + request.timeout
        buf, lines = b"", []
        while True:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                ready = select.select([fd], [], [], left)[0] if left > 0 else []
                if not ready:
                    raise OperatorTimeout(f"no answer from the bench operator of rig {request.rig!r} within "
                                          f"{request.timeout:.0f} s for: {request.action}")
                chunk = os.read(fd, 1024)
                if not chunk:
                    raise NoOperator("the terminal closed")
                buf += chunk
            line, buf = buf.split(b"\n", 1)
            text = line.decode("utf-8", "replace").rstrip("\r")
            if not request.multiline:
                return text
            if not text.strip():
                return "\n".join(lines)
            lines.append(text)


_installed: Prompt | None = None


def install_prompt(prompt: Prompt | None) -> Prompt | None:
    """Make `prompt` the default for operator hands and operator power (None: back to the terminal)."""
    global _installed
    previous, _installed = _installed, prompt
    return previous


def current_prompt() -> Prompt:
    return _installed or TerminalPrompt()


def ask(request: OperatorRequest, prompt: Prompt | None = None) -> str:
    """Put one request to the operator; NeedsOperator when nobody can answer, OperatorSkipped on 'skip'."""
    try:
        answer = (prompt or current_prompt())(request)
    except NoOperator as exc:
        raise NeedsOperator(request.rig, request.action, str(exc)) from None
    if not request.multiline:
        word = answer.strip().lower()
        if word in SKIP_ANSWERS:
            raise OperatorSkipped(request.rig, request.action)
        if word not in DONE_ANSWERS:
            raise OperatorRefused(f"the bench operator could not {request.action}: {answer.strip()!r}")
    return answer


def screen_lines(answer: str) -> list[str]:
    """The operator's transcript of the screen: one line per line (or ' | ' between lines on one line)."""
    text = answer.strip("\n")
    raw = text.split("\n") if "\n" in text else text.split(" | ")
    lines = [line.strip() for line in raw]
    while lines and not lines[-1]:
        lines.pop()
    return lines or [""]


class OperatorHands(Hands):
    """Hands whose every action is a question to the bench operator.

    A type() followed by press(CONFIRM) becomes one request ("type X on the device and press CONFIRM"), so
    entering a PIN is one question, not two.
    """

    def __init__(self, rig: str, prompt: Prompt | None = None, timeout: float = DEFAULT_OPERATOR_TIMEOUT_S,
                 target: Any = None):
        self.rig, self.timeout, self.target = rig, timeout, target
        self._prompt = prompt
        self._typed: str | None = None

    @classmethod
    def for_target(cls, target: Any, prompt: Prompt | None = None) -> "OperatorHands":
        timeout = getattr(getattr(target, "settings", None), "operator_timeout", DEFAULT_OPERATOR_TIMEOUT_S)
        return cls(target.rig.name, prompt, timeout, target)

    def _ask(self, kind: str, action: str, instruction: str, multiline: bool = False, **args: Any) -> str:
        request = OperatorRequest(kind, action, instruction, self.rig, self.timeout, multiline, args, self.target)
        return ask(request, self._prompt)

    def _flush_typed(self) -> None:
        if self._typed is not None:
            text, self._typed = self._typed, None
            self._ask("type", f"type {len(text)} characters on the device",
                      f"On the device, enter {text!r} in the current field (do not confirm yet).", text=text)

    def press(self, button: Button, allowed: Callable[[int], bool] | None = None) -> None:
        name = Button(button).name  # `allowed` is for status words, which a person pressing a button never sees
        if button == Button.CONFIRM and self._typed is not None:
            text, self._typed = self._typed, None
            self._ask("type_confirm", f"type {len(text)} characters on the device and press {name}",
                      f"On the device, enter {text!r} in the current field, then press {name}.", text=text,
                      button=name)
            return
        self._flush_typed()
        self._ask("press", f"press {name} on the device", f"Press {name} on the device.", button=name)

    def type(self, text: str) -> None:
        self._flush_typed()
        self._typed = text

    def choose(self, item: str) -> None:
        self._flush_typed()
        self._ask("choose", f"choose {item!r} on the device", f"On the device, choose the menu item {item!r}.",
                  item=item)

    def screen(self) -> list[str]:
        self._flush_typed()
        return screen_lines(self._ask("screen", "read the device screen",
                                      "Type what the device screen shows.", multiline=True))

    def wait_for_screen(self, text: str, timeout: float = 10.0) -> list[str]:
        """One question: the operator waits until the screen shows `text` (bounded by the operator timeout)."""
        self._flush_typed()
        lines = screen_lines(self._ask("screen", f"read the device screen when it shows {text!r}",
                                       f"Wait until the device screen shows {text!r}, then type what it shows.",
                                       multiline=True, expect=text))
        if not any(text in line for line in lines):
            raise AssertionError(f"the bench operator reports the device screen never showed {text!r}; "
                                 f"it shows {describe_screen(lines)}")
        return lines


class OperatorPower:
    """Target mixin: without a debug link, power is switched by the bench operator.

    Put it before Target in the bases. `after_power_change()` runs once the operator is done (a BLE target
    reconnects there: switching a device off drops its radio link).
    """

    operator_prompt: Prompt | None = None

    def power_cycle(self, link) -> None:
        if self.rig.has("debug_link"):
            return super().power_cycle(link)
        self._ask_power("power_cycle", "power-cycle the device",
                        "Switch the device off, then on again; wait until it shows its first screen.")
        self.after_power_change()

    def power_on(self, link) -> None:
        if self.rig.has("debug_link"):
            return super().power_on(link)
        self._ask_power("power_on", "switch the device on", "Switch the device on; wait until it shows a screen.")
        self.after_power_change()

    def _ask_power(self, kind: str, action: str, text: str) -> None:
        timeout = getattr(getattr(self, "settings", None), "operator_timeout", DEFAULT_OPERATOR_TIMEOUT_S)
        ask(OperatorRequest(kind, action, text, self.rig.name, timeout, target=self), self.operator_prompt)

    def after_power_change(self) -> None:
        pass
