"""Any device reachable through a pyserial URL: a board's UART, an RFC 2217 bench, a simulator's TCP server."""
from __future__ import annotations

from keybench.rigs.config import settings_dataclass
from keybench.rigs.registry import register
from keybench.rigs.serial_transport import SerialTransport
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport


@settings_dataclass
class SerialSettings:
    url: str  # required: a pyserial URL, e.g. socket://127.0.0.1:47321 or /dev/serial/by-id/...
    baudrate: int = 115200
    open_timeout: float = 10.0


@register("serial")
class SerialTarget(Target):
    """Power is the device's own business here: the rig file says what it can do (debug link, power cut)."""

    Settings = SerialSettings
    _transport: SerialTransport | None = None

    def start(self) -> Transport:
        # No drain here: the link's session sync (Bench.open) drains the line and reads a server's "busy" in it,
        # which a drain would throw away (a second pytest -n worker on a one-device server must hear "busy").
        self._transport = SerialTransport(self.settings.url, self.settings.baudrate, self.settings.open_timeout)
        return self._transport

    def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def describe(self) -> str:
        return f"serial target at {self.settings.url}"
