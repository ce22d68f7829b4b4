"""The in-process simulator: the default rig, no threads, no sockets, the same frames as every other rig."""
from __future__ import annotations

import time

from keybench.protocol.framing import INTER_BYTE_TIMEOUT_S
from keybench.rigs.config import settings_dataclass
from keybench.rigs.registry import register
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport
from keybench.simulator.device import Device
from keybench.simulator.flash import Flash
from keybench.simulator.server import StreamEndpoint


class LoopbackTransport(Transport):
    """Bytes written reach the device at once; its answer waits to be read."""

    def __init__(self, endpoint: StreamEndpoint):
        self.endpoint = endpoint
        self._pending = b""
        self.closed = False

    def write(self, data: bytes) -> None:
        self._pending += self.endpoint.feed(data)

    def read(self, timeout: float) -> bytes:
        if not self._pending and self.endpoint.mid_frame and timeout > 0:
            # Only a partial frame is in flight: time passes on the device's inter-byte timer.
            time.sleep(min(timeout, INTER_BYTE_TIMEOUT_S))
            self._pending += self.endpoint.expire()
        out, self._pending = self._pending, b""
        return out

    def close(self) -> None:
        self.closed = True


@settings_dataclass
class SimSettings:
    sector_size: int = 16 * 1024


@register("sim")
class SimTarget(Target):
    Settings = SimSettings

    def start(self) -> Transport:
        self.device = Device(seed=self.rig.seed or 0, flash=Flash(sector_size=self.settings.sector_size))
        return LoopbackTransport(StreamEndpoint(self.device))

    def stop(self) -> None:
        pass
