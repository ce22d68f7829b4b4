"""The device on a byte stream: frames in, frames out (docs/protocol.md section 1); helpers for the serve commands.
The TCP server that puts it behind pyserial's socket:// is simulator/tcp_server.py."""
from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Callable, Iterable

from keybench.protocol.framing import (CORRUPT_INPUT, INTER_BYTE_TIMEOUT_S, SYNC_NONCE_LEN, Channel, ErrorCode, Frame,
                                       FrameDecoder, FrameError, error_frame)
from keybench.simulator.device import Device

log = logging.getLogger("keybench.simulator")


def host_port(text: str) -> tuple[str, int]:
    """argparse type for --tcp HOST:PORT (port 0: any free port)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"wants HOST:PORT, got {text!r}")
    return host, int(port)


class StreamEndpoint:
    """Feeds one host's byte stream to a device and returns the bytes it answers.

    The link layer lives here, below the device: bad frames get error frames, at most one per burst of corrupt
    input (docs/protocol.md 1.2: a flood of garbage must not turn into a bigger flood of error frames), and SYNC
    is echoed in every device state, off included (1.3). `clock` tells bursts apart; tests may pass their own.
    """

    def __init__(self, device: Device, clock: Callable[[], float] = time.monotonic):
        self.device = device
        self._decoder = FrameDecoder()
        self._clock = clock
        self._last_byte_at: float | None = None
        self._corrupt_reported = False  # an error frame 01/02/03 went out in the current burst
        self.suppressed = 0  # corrupt-input errors left unanswered by the limit

    @property
    def mid_frame(self) -> bool:
        return self._decoder.mid_frame

    def feed(self, data: bytes) -> bytes:
        out = b""
        now = self._clock()
        if data and self._last_byte_at is not None and now - self._last_byte_at >= INTER_BYTE_TIMEOUT_S:
            out = self.expire()  # the caller's timer should have done this already; the device's timer would have
            self._corrupt_reported = False  # bytes after a silence start a new burst
        if data:
            self._last_byte_at = now
        return out + self._answer_all(self._decoder.feed(data))

    def expire(self) -> bytes:
        """The inter-byte timeout ran out mid-frame: error 03, then whatever the rescan finds behind it."""
        return self._answer_all(self._decoder.expire())

    def _answer_all(self, items: Iterable[Frame | FrameError]) -> bytes:
        out = bytearray()
        for item in items:
            if isinstance(item, FrameError) and item.code in CORRUPT_INPUT:
                if self._corrupt_reported:
                    self.suppressed += 1
                    log.debug("rejected a frame, no error frame (one per burst): %s", item)
                    continue
                self._corrupt_reported = True
            else:
                self._corrupt_reported = False  # an intact frame ends the burst
            out += self._answer(item)
        return bytes(out)

    def _answer(self, item: Frame | FrameError) -> bytes:
        if isinstance(item, FrameError):
            log.info("rejected a frame: %s", item)
            return error_frame(item.code, str(item), item.seq).encode()
        if item.channel == Channel.SYNC:
            if len(item.payload) != SYNC_NONCE_LEN:
                return error_frame(ErrorCode.BAD_SYNC, f"a sync nonce is {SYNC_NONCE_LEN} bytes, this one "
                                   f"{len(item.payload)} bytes", item.seq).encode()
            return Frame(Channel.SYNC, item.seq, item.payload).encode()
        answer = self.device.handle(item)
        return answer.encode() if answer else b""


def run_server(serve: Callable[[], None], host: str, port: int) -> int:
    """Exit code of a serve command: 0 after Ctrl-C, 2 when the address cannot be used."""
    try:
        serve()
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"cannot serve on {host}:{port}: {exc}", file=sys.stderr)
        return 2
    return 0
