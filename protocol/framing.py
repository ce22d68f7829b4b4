"""Frames that carry the host link and the debug link over one byte stream (docs/protocol.md, section 1)."""
from __future__ import annotations

import enum
import zlib
from dataclasses import dataclass

MAGIC = b"KB"
HEADER_LEN = 6  # magic, channel, seq, length
CRC_LEN = 4
MAX_PAYLOAD = 1024
INTER_BYTE_TIMEOUT_S = 0.5
SYNC_NONCE_LEN = 8


class Channel(enum.IntEnum):
    HOST = 0x01
    DEBUG = 0x02
    SYNC = 0x03  # session sync: the device echoes the host's nonce (docs/protocol.md 1.3)
    ERROR = 0x0F


KNOWN_CHANNELS = frozenset(Channel)


class ErrorCode(enum.IntEnum):
    BAD_CRC = 0x01
    TOO_LONG = 0x02
    TRUNCATED = 0x03
    UNKNOWN_CHANNEL = 0x04
    BAD_DEBUG_MESSAGE = 0x05
    BAD_SYNC = 0x06
    POWERED_OFF = 0x10
    DEVICE_OFF = 0x11
    BUSY = 0x12


# Errors about corrupt input, as opposed to answers to intact frames: these are limited to one per burst.
CORRUPT_INPUT = frozenset({ErrorCode.BAD_CRC, ErrorCode.TOO_LONG, ErrorCode.TRUNCATED})


class FrameError(Exception):
    """A frame that could not be accepted; `code` says why, `seq` is the frame's seq when it was readable."""

    def __init__(self, code: ErrorCode, message: str, seq: int = 0):
        super().__init__(f"{code.name.lower()}: {message}")
        self.code = code
        self.seq = seq


@dataclass(frozen=True)
class Frame:
    channel: int
    seq: int
    payload: bytes

    def encode(self) -> bytes:
        if len(self.payload) > MAX_PAYLOAD:
            raise ValueError(f"payload of {len(self.payload)} bytes exceeds the {MAX_PAYLOAD}-byte maximum")
        body = bytes([self.channel, self.seq & 0xFF]) + len(self.payload).to_bytes(2, "big") + self.payload
        return MAGIC + body + zlib.crc32(body).to_bytes(4, "big")


def error_frame(code: ErrorCode, message: str, seq: int = 0) -> Frame:
    return Frame(Channel.ERROR, seq, bytes([code]) + message.encode("ascii", "replace"))


def parse_error(payload: bytes) -> tuple[ErrorCode | int, str]:
    """Split an error frame's payload into its code and message."""
    if not payload:
        return 0, "empty error frame"
    try:
        code: ErrorCode | int = ErrorCode(payload[0])
    except ValueError:
        code = payload[0]
    return code, payload[1:].decode("ascii", "replace")


class FrameDecoder:
    """Incremental decoder: feed bytes, collect frames and errors in arrival order (docs/protocol.md 1.1).

    It resynchronises on the magic: after a bad frame (impossible header, bad CRC, or one that stopped arriving)
    it drops the first magic byte and scans the buffered bytes again, so one corrupt frame never swallows the good
    frame behind it, not even one that arrived inside what a bad header announced as its payload.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def mid_frame(self) -> bool:
        """True while part of a frame has arrived (the caller applies the inter-byte timeout)."""
        return len(self._buf) > 0

    def feed(self, data: bytes) -> list[Frame | FrameError]:
        self._buf += data
        out: list[Frame | FrameError] = []
        while True:
            item = self._next()
            if item is None:
                return out
            out.append(item)

    def expire(self) -> list[Frame | FrameError]:
        """The stream went quiet mid-frame: report the partial frame as truncated, then rescan what followed its
        first magic byte. Frames found there are returned in order; a partial frame left there is truncated in
        turn (the line is quiet), so the buffer ends empty."""
        out: list[Frame | FrameError] = []
        while self._buf:
            seq = self._buf[3] if len(self._buf) > 3 else 0
            out.append(FrameError(ErrorCode.TRUNCATED, f"frame stopped after {len(self._buf)} bytes", seq))
            del self._buf[:1]
            out += self.feed(b"")
        return out

    def _next(self) -> Frame | FrameError | None:
        start = self._buf.find(MAGIC)
        if start < 0:
            # Keep a trailing first magic byte: the second may be on its way.
            del self._buf[: len(self._buf) - 1 if self._buf.endswith(MAGIC[:1]) else len(self._buf)]
            return None
        del self._buf[:start]
        if len(self._buf) < HEADER_LEN:
            return None
        channel, seq = self._buf[2], self._buf[3]
        length = int.from_bytes(self._buf[4:6], "big")
        if length > MAX_PAYLOAD:
            del self._buf[:1]
            return FrameError(ErrorCode.TOO_LONG, f"length {length} exceeds {MAX_PAYLOAD}", seq)
        total = HEADER_LEN + length + CRC_LEN
        if len(self._buf) < total:
            return None
        body = bytes(self._buf[2 : HEADER_LEN + length])
        crc = int.from_bytes(self._buf[HEADER_LEN + length : total], "big")
        if zlib.crc32(body) != crc:
            del self._buf[:1]
            return FrameError(ErrorCode.BAD_CRC, f"crc mismatch in a {length}-byte frame", seq)
        del self._buf[:total]
        if channel not in KNOWN_CHANNELS:
            return FrameError(ErrorCode.UNKNOWN_CHANNEL, f"channel 0x{channel:02X}", seq)
        return Frame(channel, seq, body[4:])
