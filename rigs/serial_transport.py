"""A transport over any pyserial URL: socket://host:port, rfc2217://host:port, /dev/ttyACM0, loop://."""
from __future__ import annotations

import time

import serial

from keybench.rigs.config import RigError
from keybench.rigs.transport import Transport, TransportError


class SerialTransport(Transport):
    def __init__(self, url: str, baudrate: int = 115200, open_timeout: float = 10.0):
        """Open `url`, retrying until `open_timeout` (a socket server or a USB port may still be coming up)."""
        self.url = url
        deadline = time.monotonic() + open_timeout
        while True:
            try:
                self._port = serial.serial_for_url(url, baudrate=baudrate, timeout=0)
                return
            except (serial.SerialException, OSError, ValueError) as exc:
                if time.monotonic() >= deadline:
                    raise RigError(f"cannot open {url} within {open_timeout:.0f} s: {exc}") from None
                time.sleep(0.05)

    def write(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"write to {self.url} failed: {exc}") from None

    def read(self, timeout: float) -> bytes:
        try:
            self._port.timeout = max(timeout, 0.0)
            first = self._port.read(1)
            if not first:
                return b""
            self._port.timeout = 0
            return first + self._port.read(4096)
        except (serial.SerialException, OSError) as exc:
            raise TransportError(f"read from {self.url} failed: {exc}") from None

    def close(self) -> None:
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass
