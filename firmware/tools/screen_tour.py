"""A walk through every screen of the device (docs/device.md), with its notes, a typed field, every page of a
24-word mnemonic, the binding code and the wiped device: the pixel tests of simulator against firmware follow it
(tests/test_display_pixels.py), and render_screens.py draws the docs pictures from it.

A tour is a list of steps: (name, channel, payload). A named step is a screen worth a picture; every step's screen
is compared. It starts from a factory-erased device with its RNG seeded, so both sides draw the same words.
"""
from __future__ import annotations

from typing import Iterator, NamedTuple

from keybench.protocol import imkey
from keybench.protocol.debuglink import Button, Op
from keybench.protocol.framing import Channel

SEED = (20261202).to_bytes(8, "big")
PIN = "123456"
BAD_SUM = " ".join(["abandon"] * 12)  # real words, a wrong checksum
RESTORE = " ".join(["abandon"] * 11 + ["about"])


class Step(NamedTuple):
    name: str | None
    channel: int
    payload: bytes


def debug(op: Op, arg: bytes = b"", name: str | None = None) -> Step:
    return Step(name, Channel.DEBUG, bytes([op]) + arg)


def type_(text: str, name: str | None = None) -> Step:
    return debug(Op.TYPE, text.encode(), name)


def press(button: Button = Button.CONFIRM, name: str | None = None) -> Step:
    return debug(Op.PRESS, bytes([button]), name)


def choose(item: str, name: str | None = None) -> Step:
    return debug(Op.CHOOSE, item.encode(), name)


def enter(text: str, name: str | None = None) -> list[Step]:
    return [type_(text), press(name=name)]


def tour() -> Iterator[Step]:
    yield debug(Op.FACTORY_ERASE)
    yield debug(Op.SEED_RNG, SEED, "set-pin")
    yield type_("1234", "set-pin-typing")
    yield press(name="set-pin-bad-format")
    yield from enter(PIN, "confirm-pin")
    yield from enter("654321", "set-pin-mismatch")
    yield from enter(PIN)
    yield from enter(PIN, "home")
    yield choose("Settings", "settings")
    yield choose("Reset device", "reset-device")
    yield from enter("000000", "reset-device-wrong-pin")
    yield press(Button.CANCEL)
    yield choose("Back")
    yield choose("Create wallet", "word-count")
    yield from enter("7", "word-count-refused")
    yield type_("24", "word-count-typing")
    yield press(name="words-page-1")
    yield press(name="words-page-2")
    yield press(name="words-page-3")
    yield press(name="words-page-4")
    yield press(name="check-word")
    yield from enter("notaword", "check-word-wrong")
    yield press(Button.CANCEL)
    yield choose("Create wallet")
    yield from enter("15")
    yield press(Button.CANCEL)  # cancelled on page 1 of a 15-word mnemonic: nothing kept
    yield choose("Restore wallet")
    yield from enter("12", "enter-word")
    yield from enter("notaword", "enter-word-unknown")
    for word in BAD_SUM.split():
        yield from enter(word)
    yield Step("restore-failed", Channel.DEBUG, bytes([Op.SCREEN]))
    yield press()
    yield choose("Restore wallet")
    yield from enter("12")
    for word in RESTORE.split():
        yield from enter(word)
    yield Step("home-wallet", Channel.DEBUG, bytes([Op.SCREEN]))
    yield Step(None, Channel.HOST, imkey.select(imkey.Aid.IMK).encode())
    yield Step("binding-code", Channel.HOST, imkey.DISPLAY_BIND_CODE.encode())
    yield press()
    yield debug(Op.POWER_CYCLE, name="locked")
    yield from enter("000000", "locked-wrong-pin")  # the second wrong PIN: reset-device-wrong-pin was the first
    for _ in range(2):
        yield from enter("000000")
    yield Step("locked-last-attempt", Channel.DEBUG, bytes([Op.SCREEN]))
    yield from enter("000000", "wiped")


def names() -> list[str]:
    return [step.name for step in tour() if step.name]
