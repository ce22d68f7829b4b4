"""Request/answer over frames: one request in flight, answers matched by seq, every wait bounded."""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Callable

from keybench.protocol import debuglink
from keybench.protocol.apdu import Command, Response
from keybench.protocol.debuglink import Op
from keybench.protocol.framing import SYNC_NONCE_LEN, Channel, ErrorCode, Frame, FrameDecoder, FrameError, parse_error
from keybench.protocol.status import SW, StatusError
from keybench.rigs.config import RigError
from keybench.rigs.transport import Transport, TransportError

DEFAULT_TIMEOUT_S = 5.0
# Opening a session (docs/protocol.md 1.3)
QUIET_S = 0.1  # the line counts as drained once nothing arrived for this long
DRAIN_LIMIT_S = 2.0  # a line that never goes quiet is left to the sync
SYNC_TIMEOUT_S = 2.0
SYNC_TRIES = 2  # the first SYNC may sit behind a previous host's half-sent frame until its 500 ms timeout
BUSY = bytes([ErrorCode.BUSY])  # a TCP server's one frame to a second host (docs/protocol.md 1.4)


class LinkError(Exception):
    """No usable answer: a timeout, a corrupt answer, or an error frame from the device."""


class LinkTimeout(LinkError):
    pass


class DeviceFrameError(LinkError):
    """The device answered with an error frame (docs/protocol.md, error codes)."""

    def __init__(self, code, message: str):
        self.code = code
        name = code.name.lower() if isinstance(code, ErrorCode) else f"0x{code:02X}"
        super().__init__(f"device error frame {name}: {message}")


class PoweredOff(DeviceFrameError):
    """The device lost power (an armed power cut fired) while handling the request, or is off."""


class SessionSyncFailed(LinkError, RigError):
    """No answer to the session sync: the bench, not a test, is broken."""


@dataclass(frozen=True)
class Exchange:
    channel: Channel
    request: bytes
    answer: bytes | None  # None: no answer (timeout, error frame)
    error: str = ""


class Link:
    def __init__(self, transport: Transport, timeout: float = DEFAULT_TIMEOUT_S):
        self.transport = transport
        self.timeout = timeout
        self._seq = 0
        self._decoder = FrameDecoder()
        self.listeners: list[Callable[[Exchange], None]] = []

    def open_session(self) -> None:
        """Start a session on a line another host may have used (docs/protocol.md 1.3): drain it, then send a
        SYNC whose random nonce the device echoes. Every frame before that echo is someone else's: answers the
        previous host never read, error frames about the half frame it left behind."""
        if not self.transport.carries_frames:
            return  # raw APDUs over BLE: BLE carries messages, and the device has no SYNC channel
        hints: set[str] = set()
        try:
            self._drain_until_quiet()
            self._decoder = FrameDecoder()
            for _ in range(SYNC_TRIES):
                if self._sync(secrets.token_bytes(SYNC_NONCE_LEN), hints):
                    return
        except TransportError as exc:
            raise SessionSyncFailed(f"the line failed during the session sync: {exc}") from exc
        raise SessionSyncFailed(f"no answer to the session sync within {SYNC_TIMEOUT_S:g} s, {SYNC_TRIES} times: "
                                "is the device running keybench firmware?" + "".join(sorted(hints)))

    def _drain_until_quiet(self) -> None:
        """Discard what arrives until the line is quiet; only a server's "busy" is worth reading in it."""
        decoder = FrameDecoder()
        deadline = time.monotonic() + DRAIN_LIMIT_S
        while (left := deadline - time.monotonic()) > 0 and (data := self.transport.read(min(QUIET_S, left))):
            self._refuse_if_busy(decoder.feed(data))

    @staticmethod
    def _refuse_if_busy(items: list[Frame | FrameError]) -> None:
        for item in items:
            if isinstance(item, Frame) and item.channel == Channel.ERROR and item.payload[:1] == BUSY:
                raise SessionSyncFailed(f"the device is busy: {parse_error(item.payload)[1]}")

    def _sync(self, nonce: bytes, hints: set[str]) -> bool:
        seq = self._next_seq()
        self.transport.write(Frame(Channel.SYNC, seq, nonce).encode())
        deadline = time.monotonic() + SYNC_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            items = self._decoder.feed(self.transport.read(left))
            self._refuse_if_busy(items)
            for item in items:
                if isinstance(item, FrameError) or item.seq != seq:
                    continue  # not ours: leftovers of the line's previous host
                if item.channel == Channel.SYNC and item.payload == nonce:
                    return True
                if item.channel == Channel.ERROR:
                    code, message = parse_error(item.payload)
                    name = code.name.lower() if isinstance(code, ErrorCode) else f"0x{code:02X}"
                    hints.add(f" (it answered the sync with error frame {name}: {message}; firmware older than "
                              "the SYNC channel answers unknown_channel)")
        return False

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    def request(self, channel: Channel, payload: bytes, timeout: float | None = None) -> bytes:
        seq = self._next_seq()
        try:
            answer = self._exchange(channel, seq, payload, self.timeout if timeout is None else timeout)
        except LinkError as exc:
            self._tell(Exchange(channel, payload, None, str(exc)))
            raise
        self._tell(Exchange(channel, payload, answer))
        return answer

    def _exchange(self, channel: Channel, seq: int, payload: bytes, timeout: float) -> bytes:
        self.transport.write(Frame(channel, seq, payload).encode())
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                partial = " (an answer started but never finished)" if self._decoder.mid_frame else ""
                self._decoder.expire()
                raise LinkTimeout(f"no answer to {channel.name.lower()}-link request seq {seq} "
                                  f"within {timeout:.1f} s{partial}")
            for item in self._decoder.feed(self.transport.read(left)):
                if isinstance(item, FrameError):
                    raise LinkError(f"corrupt answer from the device: {item}")
                if item.seq != seq:
                    continue  # a stale answer to an earlier, timed-out request
                if item.channel == Channel.ERROR:
                    code, message = parse_error(item.payload)
                    cls = PoweredOff if code in (ErrorCode.POWERED_OFF, ErrorCode.DEVICE_OFF) else DeviceFrameError
                    raise cls(code, message)
                if item.channel == channel:
                    return item.payload

    def _tell(self, exchange: Exchange) -> None:
        for listener in self.listeners:
            listener(exchange)

    # Host link
    def apdu(self, command: Command | bytes, timeout: float | None = None) -> Response:
        raw = command.encode() if isinstance(command, Command) else command
        return Response.decode(self.request(Channel.HOST, raw, timeout))

    def apdu_ok(self, command: Command | bytes, what: str = "", timeout: float | None = None) -> bytes:
        response = self.apdu(command, timeout)
        if not response.ok:
            raise StatusError(response.sw, what)
        return response.data

    # Debug link
    def debug(self, op: Op, arg: bytes = b"", timeout: float | None = None) -> tuple[int, bytes]:
        answer = self.request(Channel.DEBUG, debuglink.encode(op, arg), timeout)
        if len(answer) < 2:
            raise LinkError(f"debug answer to {op.name} is {len(answer)} bytes, shorter than a status word")
        return int.from_bytes(answer[:2], "big"), answer[2:]

    def debug_ok(self, op: Op, arg: bytes = b"", timeout: float | None = None) -> bytes:
        sw, data = self.debug(op, arg, timeout)
        if sw != SW.OK:
            raise StatusError(sw, f"debug {op.name}")
        return data

    def close(self) -> None:
        self.transport.close()
