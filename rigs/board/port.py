"""The board's serial port as one transport across USB re-enumeration: the link keeps this object while the
pyserial port under it is closed and opened again after a power cycle."""
from __future__ import annotations

from keybench.rigs.board.usb import wait_for_path
from keybench.rigs.config import RigError
from keybench.rigs.serial_transport import SerialTransport
from keybench.rigs.transport import Transport, TransportError


class BoardPort(Transport):
    def __init__(self, url: str, baudrate: int, open_timeout: float, usb_path: str, reenumerate_timeout: float):
        self.url, self.baudrate, self.open_timeout = url, baudrate, open_timeout
        self.usb_path, self.reenumerate_timeout = usb_path, reenumerate_timeout
        self._port: SerialTransport | None = None

    def open(self) -> "BoardPort":
        if self.usb_path and not wait_for_path(self.usb_path, self.reenumerate_timeout):
            raise RigError(f"the board's port {self.usb_path} is not there (waited "
                           f"{self.reenumerate_timeout:.0f} s): is the board plugged in, its hub port on?")
        self._port = SerialTransport(self.url, self.baudrate, self.open_timeout)
        self._port.drain()
        return self

    def reopen(self) -> None:
        self.close()
        self.open()

    def _live(self) -> SerialTransport:
        if self._port is None:
            raise TransportError(f"{self.url} is closed (the board is being power-cycled)")
        return self._port

    def write(self, data: bytes) -> None:
        self._live().write(data)

    def read(self, timeout: float) -> bytes:
        return self._live().read(timeout)

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None
