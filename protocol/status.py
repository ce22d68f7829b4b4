"""Status words (docs/protocol.md, section 2), named as the imKey SDK names them."""
from __future__ import annotations

import enum


class SW(enum.IntEnum):
    OK = 0x9000
    APDU_WRONG_LENGTH = 0x6700
    USER_NOT_CONFIRMED = 0x6940
    SIGNATURE_VERIFY_FAIL = 0x6942
    MNEMONIC_CHECK_FAILED = 0x6943
    CANCEL_MNEMONIC_CHECK = 0x6944
    CONDITIONS_NOT_SATISFIED = 0x6985
    COMMAND_DATA_ERROR = 0x6A80
    APPLET_NOT_EXIST = 0x6A82
    INCORRECT_P1P2 = 0x6A86
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    WALLET_NOT_CREATED = 0xF000
    IN_MENU_PAGE = 0xF080
    PIN_NOT_VERIFIED = 0xF081


PIN_WRONG_BASE = 0x63C0  # 63Cx: wrong PIN, x attempts left


def pin_wrong(attempts_left: int) -> int:
    return PIN_WRONG_BASE | attempts_left


def describe(sw: int) -> str:
    """A readable name for any status word, e.g. 'wallet_not_created (F000)'."""
    if sw & 0xFFF0 == PIN_WRONG_BASE:
        return f"pin_wrong, {sw & 0xF} attempts left ({sw:04X})"
    try:
        return f"{SW(sw).name.lower()} ({sw:04X})"
    except ValueError:
        return f"unknown status {sw:04X}"


class StatusError(Exception):
    """A command answered with a status word other than 9000."""

    def __init__(self, sw: int, what: str = ""):
        self.sw = sw
        super().__init__(f"{what + ': ' if what else ''}{describe(sw)}")
