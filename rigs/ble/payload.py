"""What one BLE message carries, as a Transport for rigs/link.py.

- payload = "keybench-frames": one keybench frame per message (docs/protocol.md), both channels: the simulated
  device's debug link crosses the air too. rigs/link.py writes exactly one frame per write().
- payload = "apdu": a raw APDU per message and its raw answer (data || SW), what a real imKey speaks. Host-link
  frames are unwrapped on the way out and the answer is wrapped back into a frame with the request's seq. There
  is no debug link: a debug frame raises NoDebugLink (the rig's physical side is a bench operator).
"""
from __future__ import annotations

from keybench.protocol.debuglink import Op
from keybench.protocol.framing import MAX_PAYLOAD, Channel, Frame, FrameDecoder, FrameError
from keybench.rigs.ble.connection import BleConnection
from keybench.rigs.transport import Transport, TransportError


class NoDebugLink(TransportError):
    """A debug-link request on a rig whose BLE messages carry raw APDUs."""


class FramesOverBle(Transport):
    def __init__(self, connection: BleConnection):
        self.connection = connection

    def write(self, data: bytes) -> None:
        self.connection.send(data)

    def read(self, timeout: float) -> bytes:
        return self.connection.receive(timeout) or b""

    def drain(self) -> None:
        self.connection.drain()

    def close(self) -> None:
        self.connection.close()


class ApduOverBle(Transport):
    carries_frames = False  # raw APDUs: a real imKey has no SYNC channel

    def __init__(self, connection: BleConnection, rig: str = ""):
        self.connection = connection
        self.rig = rig
        self._decoder = FrameDecoder()
        self._seq: int | None = None  # the seq of the request whose answer is awaited

    def write(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, FrameError):
                raise TransportError(f"payload 'apdu': the harness wrote a frame that does not decode: {item}")
            if item.channel == Channel.DEBUG:
                op = item.payload[0] if item.payload else 0
                name = Op(op).name if op in Op._value2member_map_ else f"0x{op:02X}"
                raise NoDebugLink(f"rig {self.rig!r} sends raw APDUs over BLE (payload = \"apdu\"): there is no "
                                  f"debug link for {name}; a bench operator does the physical side (docs/ble.md)")
            if item.channel != Channel.HOST:
                raise TransportError(f"payload 'apdu': cannot send a frame on channel 0x{item.channel:02X}")
            self.connection.drain()  # a late answer to a request that timed out would be taken for this one's
            self._seq = item.seq
            self.connection.send(item.payload)

    def read(self, timeout: float) -> bytes:
        answer = self.connection.receive(timeout)
        if answer is None or self._seq is None:
            return b""
        seq, self._seq = self._seq, None
        if len(answer) > MAX_PAYLOAD:
            raise TransportError(f"an APDU answer of {len(answer)} bytes exceeds the {MAX_PAYLOAD}-byte frame limit")
        return Frame(Channel.HOST, seq, answer).encode()

    def drain(self) -> None:
        self.connection.drain()
        self._seq = None

    def close(self) -> None:
        self.connection.close()
