"""imKey-style BLE message fragmentation (docs/ble.md, "Fragments").

A message travels as GATT writes (host to device) or notifications (device to host) of at most `size` bytes:

    first fragment         83 | LEN_hi LEN_lo | data (up to size - 3 bytes)
    continuation fragments SEQ | data          (up to size - 1 bytes), SEQ = 00, 01, ... 7F, 00, ...

LEN is the whole message's length (0..65535). A continuation's SEQ has its high bit clear, so it can never be
mistaken for a first fragment. The receiver rejects a sequence gap, bytes beyond LEN and a first byte that is
neither 83 (when a message starts) nor the expected SEQ (in the middle of one).
"""
from __future__ import annotations

FIRST = 0x83
SEQ_MODULO = 0x80
HEADER_LEN = 3  # 83 LEN_hi LEN_lo
MIN_FRAGMENT = HEADER_LEN + 1
MAX_MESSAGE = 0xFFFF
IMKEY_FRAGMENT = 20  # the vendor library's write size (ATT_MTU 23 - 3)


class FragmentError(Exception):
    """A fragment that breaks the framing: sequence gap, overrun, wrong first byte, impossible length."""


def fragment(message: bytes, size: int = IMKEY_FRAGMENT) -> list[bytes]:
    """Split one message into fragments of at most `size` bytes (size = ATT_MTU - 3 of the link)."""
    if size < MIN_FRAGMENT:
        raise ValueError(f"fragment size {size} is too small: a first fragment needs {MIN_FRAGMENT} bytes")
    if len(message) > MAX_MESSAGE:
        raise ValueError(f"a message of {len(message)} bytes does not fit the 2-byte length ({MAX_MESSAGE} max)")
    first = size - HEADER_LEN
    out = [bytes([FIRST]) + len(message).to_bytes(2, "big") + message[:first]]
    step = size - 1
    for n, start in enumerate(range(first, len(message), step)):
        out.append(bytes([n % SEQ_MODULO]) + message[start : start + step])
    return out


class Reassembler:
    """Feed fragments in arrival order; feed() returns what they completed: messages and errors, in order.

    A broken fragment yields a FragmentError and the broken message is forgotten. A first fragment in the middle
    of a message yields an error (the earlier message was cut short) and then starts the new message, so one lost
    fragment never costs the next message. (The same shape as protocol.framing.FrameDecoder.feed.)
    """

    def __init__(self, max_message: int = MAX_MESSAGE):
        self.max_message = max_message
        self._buf = bytearray()
        self._expected_len: int | None = None
        self._next_seq = 0

    @property
    def mid_message(self) -> bool:
        return self._expected_len is not None

    def reset(self) -> None:
        self._buf.clear()
        self._expected_len = None
        self._next_seq = 0

    def feed(self, data: bytes) -> list[bytes | FragmentError]:
        out: list[bytes | FragmentError] = []
        try:
            self._feed(data, out)
        except FragmentError as exc:
            self.reset()
            out.append(exc)
        return out

    def _feed(self, data: bytes, out: list) -> None:
        if not data:
            raise FragmentError("empty fragment")
        head = data[0]
        if head == FIRST:
            if self.mid_message:
                out.append(FragmentError(f"a new message started (83) while {self._pending()}: "
                                         f"the earlier message was cut short"))
            self._start(data)
        elif not self.mid_message:
            raise FragmentError(f"wrong first byte 0x{head:02X}: a message must start with 0x83")
        elif head >= SEQ_MODULO:
            raise FragmentError(f"wrong first byte 0x{head:02X} in a continuation while {self._pending()}")
        elif head != self._next_seq:
            raise FragmentError(f"sequence gap: got continuation 0x{head:02X} while {self._pending()}")
        else:
            self._next_seq = (self._next_seq + 1) % SEQ_MODULO
            self._append(data[1:])
        if self._expected_len is not None and len(self._buf) == self._expected_len:
            out.append(bytes(self._buf))
            self.reset()

    def _start(self, data: bytes) -> None:
        self.reset()
        if len(data) < HEADER_LEN:
            raise FragmentError(f"first fragment of {len(data)} bytes is shorter than its 3-byte header")
        length = int.from_bytes(data[1:3], "big")
        if length > self.max_message:
            raise FragmentError(f"message length {length} exceeds the {self.max_message}-byte maximum")
        self._expected_len = length
        self._append(data[HEADER_LEN:])

    def _append(self, chunk: bytes) -> None:
        assert self._expected_len is not None
        if len(self._buf) + len(chunk) > self._expected_len:
            raise FragmentError(f"overrun: {len(chunk)} more bytes while {self._pending()}")
        self._buf += chunk

    def _pending(self) -> str:
        return (f"{len(self._buf)} of {self._expected_len} bytes had arrived and continuation "
                f"0x{self._next_seq:02X} was expected")
