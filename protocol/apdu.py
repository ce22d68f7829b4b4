"""ISO 7816-4 short APDUs (docs/protocol.md, section 2)."""
from __future__ import annotations

from dataclasses import dataclass

from keybench.protocol.status import SW


class ApduLengthError(ValueError):
    """The bytes are not a well-formed short APDU; devices answer 6700."""

    sw = SW.APDU_WRONG_LENGTH


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # None: no Le byte

    def encode(self) -> bytes:
        if len(self.data) > 255:
            raise ValueError(f"short APDU data is at most 255 bytes, got {len(self.data)}")
        out = bytes([self.cla, self.ins, self.p1, self.p2])
        if self.data:
            out += bytes([len(self.data)]) + self.data
        if self.le is not None:
            out += bytes([self.le & 0xFF])
        return out

    @classmethod
    def decode(cls, raw: bytes) -> "Command":
        """Parse cases 1-4; anything else raises ApduLengthError."""
        if len(raw) < 4:
            raise ApduLengthError(f"APDU of {len(raw)} bytes is shorter than its 4-byte header")
        cla, ins, p1, p2 = raw[:4]
        if len(raw) == 4:
            return cls(cla, ins, p1, p2)
        if len(raw) == 5:
            return cls(cla, ins, p1, p2, le=raw[4])
        lc = raw[4]
        if lc == 0:
            raise ApduLengthError("Lc of 0 with data following (extended APDUs are not supported)")
        if len(raw) == 5 + lc:
            return cls(cla, ins, p1, p2, bytes(raw[5:]))
        if len(raw) == 6 + lc:
            return cls(cla, ins, p1, p2, bytes(raw[5:-1]), le=raw[-1])
        raise ApduLengthError(f"Lc says {lc} data bytes but the APDU carries {len(raw) - 5}")


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    def encode(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")

    @classmethod
    def decode(cls, raw: bytes) -> "Response":
        if len(raw) < 2:
            raise ValueError(f"an APDU response needs a 2-byte status word, got {len(raw)} bytes")
        return cls(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))

    @property
    def ok(self) -> bool:
        return self.sw == SW.OK


def status(sw: int) -> Response:
    return Response(b"", sw)
