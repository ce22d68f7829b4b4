"""A transport moves bytes to and from one device. Nothing more: framing lives in rigs/link.py."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar


class TransportError(Exception):
    """The byte stream itself failed (closed socket, vanished port, dropped BLE connection)."""


class Transport(ABC):
    # False for a transport that turns frames into another wire format (raw APDUs over BLE): the device at the far
    # end has no SYNC channel, so the link opens no session sync on it (docs/protocol.md 1.3).
    carries_frames: ClassVar[bool] = True

    @abstractmethod
    def write(self, data: bytes) -> None: ...

    @abstractmethod
    def read(self, timeout: float) -> bytes:
        """Return the bytes that have arrived, waiting up to `timeout` seconds for the first; b"" on timeout."""

    @abstractmethod
    def close(self) -> None: ...

    def drain(self) -> None:
        """Drop whatever is waiting to be read (stale bytes from before a reset)."""
        while self.read(0.0):
            pass
