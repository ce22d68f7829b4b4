"""The device on a byte stream: frames in, frames out; and a TCP server so pyserial's socket:// reaches it."""
from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
from typing import Callable

from protocol.framing import INTER_BYTE_TIMEOUT_S, FrameDecoder, FrameError, error_frame
from simulator.device import Device

log = logging.getLogger("keybench.simulator")


def host_port(text: str) -> tuple[str, int]:
    """argparse type for --tcp HOST:PORT (port 0: any free port)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"wants HOST:PORT, got {text!r}")
    return host, int(port)


class StreamEndpoint:
    """Feeds a byte stream to a device and returns the bytes it answers. Bad frames get error frames."""

    def __init__(self, device: Device):
        self.device = device
        self._decoder = FrameDecoder()

    @property
    def mid_frame(self) -> bool:
        return self._decoder.mid_frame

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for item in self._decoder.feed(data):
            out += self._answer(item)
        return bytes(out)

    def expire(self) -> bytes:
        """The inter-byte timeout ran out mid-frame."""
        error = self._decoder.expire()
        return self._answer(error) if error else b""

    def _answer(self, item) -> bytes:
        if isinstance(item, FrameError):
            log.info("rejected a frame: %s", item)
            return error_frame(item.code, str(item), item.seq).encode()
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


def serve_tcp(device: Device, host: str, port: int, on_listening: Callable[[int], None] = lambda port: None,
              stop: threading.Event | None = None) -> None:
    """Serve one client at a time until `stop` is set; the device (and its storage) outlives connections."""
    stop = stop or threading.Event()
    with socket.create_server((host, port)) as server:
        server.settimeout(0.2)
        on_listening(server.getsockname()[1])
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                _serve_connection(StreamEndpoint(device), conn, stop)


def _serve_connection(endpoint: StreamEndpoint, conn: socket.socket, stop: threading.Event) -> None:
    while not stop.is_set():
        conn.settimeout(INTER_BYTE_TIMEOUT_S if endpoint.mid_frame else 0.2)
        try:
            data = conn.recv(4096)
        except socket.timeout:
            if endpoint.mid_frame:
                conn.sendall(endpoint.expire())
            continue
        except OSError:
            return
        if not data:
            return
        answer = endpoint.feed(data)
        if answer:
            conn.sendall(answer)
