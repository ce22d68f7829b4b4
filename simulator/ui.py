"""The device's screens and buttons (docs/device.md): the physical side a person, or the debug link, drives."""
from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

from keybench.protocol.debuglink import MAX_TYPED, Button
from keybench.protocol.imkey import Lifecycle
from keybench.protocol.status import SW, pin_wrong
from keybench.simulator import keys
from keybench.simulator.display import DisplayState, Layout

if TYPE_CHECKING:
    from keybench.simulator.device import Device

WORD_COUNT_TEXT = {str(n): n for n in keys.WORD_COUNTS}
PIN_FORMAT = re.compile(r"[0-9]{6,8}")  # the only PINs SET_PIN accepts, so the only entries worth comparing
BAD_PIN_FORMAT = "PIN must be 6 to 8 digits"
WORDS_PER_PAGE = 6  # a mnemonic page: what the 128x64 display shows at once (docs/device.md)


class Screen(enum.Enum):
    SET_PIN = "set_pin"
    CONFIRM_PIN = "confirm_pin"
    LOCKED = "locked"
    HOME = "home"
    WORD_COUNT = "word_count"
    SHOW_WORDS = "show_words"
    CHECK_WORD = "check_word"
    ENTER_WORD = "enter_word"
    RESTORE_FAILED = "restore_failed"
    SETTINGS = "settings"
    RESET_PIN = "reset_pin"
    BIND_CODE = "bind_code"


INPUT_SCREENS = {Screen.SET_PIN, Screen.CONFIRM_PIN, Screen.LOCKED, Screen.WORD_COUNT, Screen.CHECK_WORD,
                 Screen.ENTER_WORD, Screen.RESET_PIN}
# Input fields the display shows as '*': PINs, and words of a mnemonic (as secret as the PIN, and screen pictures
# go into evidence folders and golden files).
MASKED_FIELDS = INPUT_SCREENS - {Screen.WORD_COUNT}


class Ui:
    def __init__(self, device: "Device"):
        self.dev = device
        self.boot()

    def boot(self) -> None:
        self._go(Screen.SET_PIN if self.dev.pin_hash is None else Screen.LOCKED)
        self.flow = ""  # "Create wallet" or "Restore wallet"
        self.words: list[str] = []
        self.checks: list[int] = []
        self.pending_pin = ""
        self.page = 0  # SHOW_WORDS: the mnemonic page shown

    def _go(self, screen: Screen, note: str = "") -> None:
        self.screen, self.note, self.field = screen, note, ""

    # What the screen shows
    def lines(self) -> list[str]:
        s, note = self.screen, [self.note] if self.note else []
        if s is Screen.SET_PIN:
            return ["Set PIN", *note, "Enter 6 to 8 digits"]
        if s is Screen.CONFIRM_PIN:
            return ["Confirm PIN", "Enter the PIN again"]
        if s is Screen.LOCKED:
            return ["Enter PIN", *note, self._attempts_left()]
        if s is Screen.HOME:
            return ["Home", "Wallet ready", "Settings"] if self.dev.has_wallet else ["Home", *self.menu()]
        if s is Screen.WORD_COUNT:
            return [self.flow, *note, "Number of words: 12 15 18 21 24"]
        if s is Screen.SHOW_WORDS:
            first = self.page * WORDS_PER_PAGE
            shown = enumerate(self.words[first:first + WORDS_PER_PAGE], first + 1)
            return ["Write down your words", *(f"{i} {w}" for i, w in shown), f"Page {self.page + 1} of {self.pages}"]
        if s is Screen.CHECK_WORD:
            return ["Check your words", *note, f"Word #{self.checks[0] + 1}"]
        if s is Screen.ENTER_WORD:
            return ["Restore wallet", *note, f"Word {len(self.words) + 1} of {self.word_count}"]
        if s is Screen.RESTORE_FAILED:
            return ["Restore wallet", "Invalid mnemonic: bad checksum"]
        if s is Screen.SETTINGS:
            return ["Settings", *self.menu()]
        if s is Screen.RESET_PIN:
            return ["Reset device", *note, "Enter PIN to erase everything", self._attempts_left()]
        return ["Binding code", self.dev.binding_code or ""]

    @property
    def pages(self) -> int:
        return -(-len(self.words) // WORDS_PER_PAGE)

    def display_state(self) -> DisplayState:
        """What the display draws besides the lines: its layout, the input field (masked), the menu items."""
        if self.screen is Screen.SHOW_WORDS:
            return DisplayState(Layout.WORDS)
        if self.screen is Screen.BIND_CODE:
            return DisplayState(Layout.CODE)
        field = None
        if self.screen in INPUT_SCREENS:
            field = "*" * len(self.field) if self.screen in MASKED_FIELDS else self.field
        return DisplayState(Layout.TEXT, field, tuple(self.menu()))

    def menu(self) -> list[str]:
        if self.screen is Screen.HOME:
            return ["Settings"] if self.dev.has_wallet else ["Create wallet", "Restore wallet", "Settings"]
        if self.screen is Screen.SETTINGS:
            return ["Reset device", "Back"]
        return []

    def _attempts_left(self) -> str:
        left = 5 - self.dev.pin_fails
        return "1 attempt left" if left == 1 else f"{left} attempts left"

    def lifecycle(self) -> Lifecycle:
        if self.screen in (Screen.SET_PIN, Screen.CONFIRM_PIN):
            return Lifecycle.PIN_UNSET
        if self.screen in (Screen.SHOW_WORDS, Screen.CHECK_WORD):
            return Lifecycle.CREATING
        if self.screen is Screen.ENTER_WORD:
            return Lifecycle.RECOVERING
        return Lifecycle.READY if self.dev.has_wallet else Lifecycle.WALLET_UNREADY

    # What the hands do
    def type(self, text: bytes) -> int:
        if self.screen not in INPUT_SCREENS:
            return SW.CONDITIONS_NOT_SATISFIED
        if len(text) > MAX_TYPED or not text.isascii():
            return SW.COMMAND_DATA_ERROR
        self.field = text.decode("ascii")
        return SW.OK

    def choose(self, item: bytes) -> int:
        menu = self.menu()
        if not menu:
            return SW.CONDITIONS_NOT_SATISFIED
        name = item.decode("ascii", "replace")
        if name not in menu:
            return SW.COMMAND_DATA_ERROR
        if name in ("Create wallet", "Restore wallet"):
            self.flow = name
            self._go(Screen.WORD_COUNT)
        elif name == "Settings":
            self._go(Screen.SETTINGS)
        elif name == "Reset device":
            self._go(Screen.RESET_PIN)
        else:
            self._go(Screen.HOME)
        return SW.OK

    def show_binding_code(self) -> None:
        self._go(Screen.BIND_CODE)

    def press(self, button: int) -> int:
        if button not in (Button.CONFIRM, Button.CANCEL):
            return SW.CONDITIONS_NOT_SATISFIED
        field, self.field = self.field, ""
        return self._confirm(field) if button == Button.CONFIRM else self._cancel()

    def _cancel(self) -> int:
        s = self.screen
        if s in (Screen.SET_PIN, Screen.LOCKED, Screen.HOME):
            return SW.CONDITIONS_NOT_SATISFIED
        if s is Screen.CONFIRM_PIN:
            self._go(Screen.SET_PIN)
        elif s is Screen.RESET_PIN:
            self._go(Screen.SETTINGS)
        else:
            self._go(Screen.HOME)
            if s is Screen.CHECK_WORD:
                return SW.CANCEL_MNEMONIC_CHECK
        return SW.OK

    def _confirm(self, field: str) -> int:
        s = self.screen
        if s is Screen.SET_PIN:
            if not PIN_FORMAT.fullmatch(field):
                self._go(Screen.SET_PIN, BAD_PIN_FORMAT)
                return SW.COMMAND_DATA_ERROR
            self.pending_pin = field
            self._go(Screen.CONFIRM_PIN)
        elif s is Screen.CONFIRM_PIN:
            if field != self.pending_pin:
                self._go(Screen.SET_PIN, "PINs did not match")
                return SW.COMMAND_DATA_ERROR
            self.dev.set_pin(field)
            self._go(Screen.HOME)
        elif s in (Screen.LOCKED, Screen.RESET_PIN):
            return self._pin_attempt(field)
        elif s is Screen.WORD_COUNT:
            return self._word_count(field)
        elif s is Screen.SHOW_WORDS and self.page + 1 < self.pages:
            self.page += 1  # the next page of words
            self._go(Screen.SHOW_WORDS)
        elif s is Screen.SHOW_WORDS:
            self.checks = self.dev.rng.check_positions(len(self.words))
            self._go(Screen.CHECK_WORD)
        elif s is Screen.CHECK_WORD:
            return self._check_word(field)
        elif s is Screen.ENTER_WORD:
            return self._enter_word(field)
        elif s in (Screen.RESTORE_FAILED, Screen.BIND_CODE):
            self._go(Screen.HOME)
        else:
            return SW.CONDITIONS_NOT_SATISFIED
        return SW.OK

    def _pin_attempt(self, pin: str) -> int:
        if not PIN_FORMAT.fullmatch(pin):
            # Refused before the count is touched: an accidental confirm must never cost an attempt (docs/device.md).
            self._go(self.screen, BAD_PIN_FORMAT)
            return SW.COMMAND_DATA_ERROR
        resetting = self.screen is Screen.RESET_PIN
        right, left = self.dev.try_pin(pin, wipe_if_right=resetting)
        if right and not resetting:
            self._go(Screen.HOME)
        elif right or left == 0:
            self._go(Screen.SET_PIN, "Device was wiped")
        else:
            self._go(self.screen, "Wrong PIN")
        return SW.OK if right else pin_wrong(left)

    def _word_count(self, field: str) -> int:
        count = WORD_COUNT_TEXT.get(field)
        if count is None:
            self._go(Screen.WORD_COUNT, "Choose 12, 15, 18, 21 or 24")
            return SW.COMMAND_DATA_ERROR
        self.word_count = count
        if self.flow == "Create wallet":
            self.words = keys.words_from_entropy(self.dev.rng.bytes(count * 4 // 3))
            self.page = 0
            self._go(Screen.SHOW_WORDS)
        else:
            self.words = []
            self._go(Screen.ENTER_WORD)
        return SW.OK

    def _check_word(self, field: str) -> int:
        if field != self.words[self.checks[0]]:
            self._go(Screen.CHECK_WORD, "Wrong word")
            return SW.MNEMONIC_CHECK_FAILED
        self.checks.pop(0)
        if self.checks:
            self._go(Screen.CHECK_WORD)
        else:
            self.dev.commit_wallet(self.words)
            self._go(Screen.HOME)
        return SW.OK

    def _enter_word(self, field: str) -> int:
        if not keys.is_word(field):
            self._go(Screen.ENTER_WORD, "Unknown word")
            return SW.COMMAND_DATA_ERROR
        self.words.append(field)
        if len(self.words) < self.word_count:
            self._go(Screen.ENTER_WORD)
        elif keys.checksum_ok(self.words):
            self.dev.commit_wallet(self.words)
            self._go(Screen.HOME)
        else:
            self._go(Screen.RESTORE_FAILED)
            return SW.COMMAND_DATA_ERROR
        return SW.OK
