"""Debug-link messages: what a test bench does to the device's physical side (docs/protocol.md, section 3)."""
from __future__ import annotations

import enum


class Op(enum.IntEnum):
    PRESS = 0x01
    TYPE = 0x02
    CHOOSE = 0x03
    SCREEN = 0x04
    POWER_CYCLE = 0x05
    ARM_POWER_CUT = 0x06
    POWER_ON = 0x07
    SEED_RNG = 0x08
    FACTORY_ERASE = 0x09
    STORAGE_WRITES = 0x0A
    FRAMEBUFFER = 0x0B


class Button(enum.IntEnum):
    CONFIRM = 0x01
    CANCEL = 0x02


MAX_TYPED = 64

# The display's framebuffer (docs/protocol.md 3): 128x64, 1 bit a pixel, 16 bytes a row, MSB first, 1 = lit.
# FRAMEBUFFER answers one half (argument 00: rows 0-31, 01: rows 32-63): the whole and its SW would not fit a frame.
FB_WIDTH, FB_HEIGHT = 128, 64
FB_SIZE = FB_WIDTH * FB_HEIGHT // 8
FB_HALF = FB_SIZE // 2

# Argument sizes; None: free-form text.
ARG_SIZES: dict[Op, int | None] = {
    Op.PRESS: 1,
    Op.TYPE: None,
    Op.CHOOSE: None,
    Op.SCREEN: 0,
    Op.POWER_CYCLE: 0,
    Op.ARM_POWER_CUT: 2,
    Op.POWER_ON: 0,
    Op.SEED_RNG: 8,
    Op.FACTORY_ERASE: 0,
    Op.STORAGE_WRITES: 0,
    Op.FRAMEBUFFER: 1,
}


def encode(op: Op, arg: bytes = b"") -> bytes:
    return bytes([op]) + arg


def split(payload: bytes) -> tuple[Op, bytes]:
    """Validate a debug request; raise ValueError naming what is wrong (the device answers error frame 05)."""
    if not payload:
        raise ValueError("empty debug message")
    try:
        op = Op(payload[0])
    except ValueError:
        raise ValueError(f"unknown debug op 0x{payload[0]:02X}") from None
    arg = payload[1:]
    size = ARG_SIZES[op]
    if size is not None and len(arg) != size:
        raise ValueError(f"debug op {op.name} takes {size} argument bytes, got {len(arg)}")
    return op, arg
