"""The person holding the device, in the words of docs/device.md: set a PIN, create, restore, reset, read codes.

Every flow is built on Hands and checks the screen it lands on, so it works the same through a debug link or
through a bench operator.
"""
from __future__ import annotations

import re

from keybench.protocol.debuglink import Button
from keybench.protocol.status import SW
from keybench.rigs.hands import SECRET_TITLES, Hands, describe_screen, entry_outcome


WORDS_TITLE = SECRET_TITLES[0]
PAGE_LINE = re.compile(r"Page (\d+) of (\d+)")  # the last line of a page of words


class DeviceRefused(AssertionError):
    """The device did not go where the flow expected; carries the screen it shows instead."""

    def __init__(self, what: str, lines: list[str]):
        self.lines = lines
        super().__init__(f"{what}: the device shows {describe_screen(lines)}")


class DeviceUser:
    def __init__(self, hands: Hands):
        self.hands = hands

    def screen(self) -> list[str]:
        return self.hands.screen()

    def enter(self, text: str) -> list[str]:
        """Type into the current field and confirm; return the screen that follows."""
        self.hands.type(text)
        self.hands.press(Button.CONFIRM, allowed=entry_outcome)
        return self.hands.screen()

    def _expect(self, title: str, lines: list[str], what: str) -> list[str]:
        if lines[0] != title:
            raise DeviceRefused(what, lines)
        return lines

    def set_pin(self, pin: str, confirmation: str | None = None) -> list[str]:
        self._expect("Set PIN", self.screen(), "setting a PIN needs the Set PIN screen")
        lines = self.enter(pin)
        if lines[0] != "Confirm PIN":
            return lines
        return self.enter(pin if confirmation is None else confirmation)

    def unlock(self, pin: str) -> list[str]:
        self._expect("Enter PIN", self.screen(), "unlocking needs the Enter PIN screen")
        return self.enter(pin)

    def go_home(self) -> None:
        for _ in range(4):  # every screen reaches Home within a few cancels
            if self.screen()[0] == "Home":
                return
            self.hands.press(Button.CANCEL, allowed=lambda sw: sw == SW.CANCEL_MNEMONIC_CHECK)
        self._expect("Home", self.screen(), "could not get back to the Home screen")

    def start_wallet(self, flow: str, word_count: int) -> list[str]:
        """flow: 'Create wallet' or 'Restore wallet'."""
        self.go_home()
        self.hands.choose(flow)
        return self.enter(str(word_count))

    def read_words(self) -> list[str]:
        """Write down the words, page by page from page 1: CONFIRM turns a page; it stays on the last page (the
        next CONFIRM goes on to the check). The words come back in order, or a DeviceRefused says what was off
        (describe_screen never shows the words)."""
        lines = self._expect(WORDS_TITLE, self.screen(), "the words are shown only while creating a wallet")
        words: list[str] = []
        expected_page = 1
        while True:
            page = PAGE_LINE.fullmatch(lines[-1])
            if page is None or int(page.group(1)) != expected_page:
                raise DeviceRefused(f"reading the words needs page {expected_page} with its 'Page P of N' line",
                                    lines)
            for line in lines[1:-1]:
                number, _, word = line.partition(" ")
                if number != str(len(words) + 1):
                    raise DeviceRefused(f"word {len(words) + 1} is not where the pages put it", lines)
                words.append(word)
            if page.group(1) == page.group(2):
                return words
            self.hands.press(Button.CONFIRM)
            expected_page += 1
            lines = self._expect(WORDS_TITLE, self.screen(), "turning a page of words")

    def answer_checks(self, words: list[str], wrong: bool = False) -> list[str]:
        """Answer the mnemonic check from the written-down words (or deliberately wrong)."""
        lines = self.screen()
        if lines[0] == WORDS_TITLE:  # the words were written down: on to the check (a retry is already there)
            self.hands.press(Button.CONFIRM)
            lines = self.screen()
        while lines[0] == "Check your words":
            position = int(re.search(r"Word #(\d+)", lines[-1]).group(1)) - 1
            answer = words[position]
            if wrong:  # a real BIP39 word, just not this one
                answer = "zoo" if answer != "zoo" else "abandon"
            lines = self.enter(answer)
            if wrong:
                return lines
        return lines

    def create_wallet(self, word_count: int) -> list[str]:
        """Create a wallet and return the words the person wrote down."""
        self._expect(WORDS_TITLE, self.start_wallet("Create wallet", word_count), "creating a wallet")
        words = self.read_words()
        self._expect("Home", self.answer_checks(words), "finishing the mnemonic check")
        return words

    def restore_wallet(self, words: list[str]) -> list[str]:
        """Type the words one by one; return the screen after the last (Home on success)."""
        lines = self.start_wallet("Restore wallet", len(words))
        for word in words:
            if lines[0] != "Restore wallet" or not lines[-1].startswith("Word "):
                return lines
            lines = self.enter(word)
        return lines

    def reset_device(self, pin: str) -> list[str]:
        self.go_home()
        self.hands.choose("Settings")
        self.hands.choose("Reset device")
        return self.enter(pin)

    def read_binding_code(self) -> str:
        lines = self.hands.wait_for_screen("Binding code")
        self.hands.press(Button.CONFIRM)
        return lines[1]
