"""One BLE link to one device through bleak's public API: scan, connect (and pair), subscribe, exchange messages.

Synchronous on the outside (the harness and pytest-bdd steps never await), asyncio inside: every bleak call
runs on a LoopThread with a deadline. A message goes out as imKey fragments (protocol/ble_fragments.py) written to
the write characteristic; notifications are reassembled into messages that wait in a queue for receive().

`client_kwargs` / `scanner_kwargs` go straight to `bleak.BleakClient` / `bleak.BleakScanner`: empty for a
real device (the platform backend), `backend=` and `sim=` for the simulated peripheral.
"""
from __future__ import annotations

import asyncio
import logging
import queue
from dataclasses import dataclass
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.exc import BleakError

from keybench.protocol.ble_fragments import FragmentError, Reassembler, fragment
from keybench.rigs.ble.loop import LoopThread
from keybench.rigs.transport import TransportError

log = logging.getLogger("keybench.ble")

WRITE_MODES = ("auto", "with-response", "without-response")
_DISCONNECT_WAIT_S = 5.0


class BleConnectError(TransportError):
    """The device could not be found, connected, paired or subscribed to."""


@dataclass(frozen=True)
class BleSpec:
    service_uuid: str
    name: str = ""  # advertised local name to scan for
    address: str = ""  # or the address (a UUID on macOS); wins over the name
    write_uuid: str = ""  # "" = the service's characteristic that can be written
    notify_uuid: str = ""  # "" = the service's characteristic that notifies
    pair: bool = True  # bond before use (imKey wants a bonded connection)
    write_mode: str = "auto"  # auto: with response when the characteristic allows it
    fragment_size: int = 0  # 0 = ATT_MTU - 3 of the link; else at most this many bytes per write
    scan_timeout: float = 20.0
    connect_timeout: float = 20.0
    write_timeout: float = 20.0
    auto_reconnect: bool = True  # a send after an idle-time drop reconnects first

    def describe(self) -> str:
        return f"BLE device {self.address}" if self.address else f"BLE device named {self.name!r}"


class _Dropped:
    """Queue marker: the link went down."""


class BleConnection:
    def __init__(self, spec: BleSpec, *, client_kwargs: dict[str, Any] | None = None,
                 scanner_kwargs: dict[str, Any] | None = None, loop: LoopThread | None = None):
        if spec.write_mode not in WRITE_MODES:
            raise ValueError(f"write_mode {spec.write_mode!r}: want one of {WRITE_MODES}")
        if spec.fragment_size and spec.fragment_size < 4:
            raise ValueError(f"fragment_size {spec.fragment_size}: 0 (ATT_MTU - 3) or at least 4")
        if not (spec.name or spec.address):
            raise ValueError("a BLE device needs a name or an address to scan for")
        self.spec = spec
        self.client_kwargs = dict(client_kwargs or {})
        self.scanner_kwargs = dict(scanner_kwargs or {})
        self._own_loop = loop is None
        self.loop = loop or LoopThread()
        self.client: BleakClient | None = None
        self.messages: queue.Queue = queue.Queue()
        self._reassembler = Reassembler()
        self._write_char: BleakGATTCharacteristic | None = None
        self._write_response = True
        self.connected = False
        self.closed = False
        self.address = spec.address

    def describe(self) -> str:
        found = f" ({self.address})" if self.address and not self.spec.address else ""
        return self.spec.describe() + found

    # Synchronous API
    def open(self) -> None:
        s = self.spec
        self._run(self._open(), s.scan_timeout + s.connect_timeout + 5.0, f"connecting to {self.describe()}",
                  BleConnectError)

    def reconnect(self) -> None:
        s = self.spec
        self._run(self._reconnect(), s.scan_timeout + s.connect_timeout + _DISCONNECT_WAIT_S + 5.0,
                  f"reconnecting to {self.describe()}", BleConnectError)

    @property
    def fragment_size(self) -> int:
        """ATT_MTU - 3 as bleak reports it now (it can grow after connecting), capped by the rig's setting."""
        if self._write_char is None:
            return 0
        size = self._write_char.max_write_without_response_size
        return min(size, self.spec.fragment_size) if self.spec.fragment_size else size

    def send(self, message: bytes) -> None:
        if self.closed:
            raise TransportError(f"the BLE connection to {self.describe()} is closed")
        if not self.connected:
            if not self.spec.auto_reconnect:
                raise TransportError(f"the BLE connection to {self.describe()} dropped and auto_reconnect is off")
            log.info("%s: the link dropped while idle; reconnecting", self.describe())
            self.reconnect()
        self._run(self._send(message), self.spec.write_timeout, f"sending {len(message)} bytes to {self.describe()}",
                  TransportError)

    def receive(self, timeout: float) -> bytes | None:
        """The next whole message, waiting up to `timeout` s; None if none came. Raises on a drop or bad fragment."""
        try:
            item = self.messages.get(timeout=timeout) if timeout > 0 else self.messages.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, _Dropped):
            raise TransportError(f"the BLE connection to {self.describe()} dropped while waiting for an answer")
        if isinstance(item, Exception):
            raise item
        return item

    def drain(self) -> None:
        while True:
            try:
                self.messages.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if self.client is not None and self.loop.running:
                self.loop.run(self._disconnect(), _DISCONNECT_WAIT_S, f"disconnecting from {self.describe()}")
        except Exception as exc:  # closing must not fail a session's teardown
            log.warning("%s: %s", self.describe(), exc)
        finally:
            if self._own_loop:
                self.loop.stop()

    def _run(self, coro, timeout: float, what: str, error: type[TransportError]):
        try:
            return self.loop.run(coro, timeout, what)
        except TransportError:
            raise
        except (BleakError, TimeoutError, OSError) as exc:
            hint = (" (is the platform's Bluetooth stack reachable? BlueZ needs D-Bus and bluetoothd)"
                    if isinstance(exc, OSError) and not self.client_kwargs.get("backend") else "")
            raise error(f"{what} failed: {type(exc).__name__}: {exc}{hint}") from exc

    # On the loop
    async def _open(self) -> None:
        s = self.spec
        if s.address:
            device = await BleakScanner.find_device_by_address(s.address, timeout=s.scan_timeout,
                                                               **self.scanner_kwargs)
        else:
            device = await BleakScanner.find_device_by_name(s.name, timeout=s.scan_timeout, **self.scanner_kwargs)
        if device is None:
            raise BleConnectError(f"no {s.describe()} advertised within {s.scan_timeout:g} s "
                                  f"(is it on, in range, and not connected to a phone?)")
        self.address = device.address
        client = BleakClient(device, disconnected_callback=self._on_disconnect, timeout=s.connect_timeout,
                             pair=s.pair, **self.client_kwargs)
        await client.connect()
        try:
            write_char, notify_char = self._characteristics(client)
            self._write_char = write_char
            self._write_response = (s.write_mode == "with-response" or
                                    (s.write_mode == "auto" and "write" in write_char.properties))
            self._reassembler.reset()
            self.client = client
            await client.start_notify(notify_char, self._on_notify)
        except BaseException:
            self.client = None
            await client.disconnect()
            raise
        self.connected = True
        log.info("%s: connected, ATT MTU %d, %d-byte fragments, write %s response", self.describe(),
                 client.mtu_size, self.fragment_size, "with" if self._write_response else "without")

    def _characteristics(self, client: BleakClient) -> tuple[BleakGATTCharacteristic, BleakGATTCharacteristic]:
        s = self.spec
        service = client.services.get_service(s.service_uuid)
        if service is None:
            offered = ", ".join(sv.uuid for sv in client.services) or "none"
            raise BleConnectError(f"{self.describe()} has no GATT service {s.service_uuid} (it offers: {offered}); "
                                  f"set service_uuid in the rig file (docs/ble.md lists the candidates)")

        def pick(uuid: str, properties: tuple[str, ...], role: str) -> BleakGATTCharacteristic:
            if uuid:
                char = service.get_characteristic(uuid)
            else:
                char = next((c for c in service.characteristics if set(properties) & set(c.properties)), None)
            if char is None or not set(properties) & set(char.properties):
                listing = ", ".join(f"{c.uuid} {c.properties}" for c in service.characteristics)
                raise BleConnectError(f"service {s.service_uuid} has no {role} characteristic "
                                      f"{uuid or ''} with {' or '.join(properties)} (it has: {listing})")
            return char

        return (pick(s.write_uuid, ("write", "write-without-response"), "write"),
                pick(s.notify_uuid, ("notify", "indicate"), "notify"))

    async def _reconnect(self) -> None:
        await self._disconnect()
        self.drain()  # answers and drop markers of the old link mean nothing now
        await self._open()

    async def _disconnect(self) -> None:
        client, self.client = self.client, None
        self.connected = False
        if client is not None:
            try:
                await asyncio.wait_for(client.disconnect(), _DISCONNECT_WAIT_S)
            except (BleakError, asyncio.TimeoutError, OSError) as exc:
                log.info("%s: disconnect: %s", self.describe(), exc)

    async def _send(self, message: bytes) -> None:
        client = self.client
        if client is None or not self.connected:
            raise TransportError(f"the BLE connection to {self.describe()} dropped")
        self._reassembler.reset()  # a half answer to an earlier request is stale now
        size = self.fragment_size
        for piece in fragment(message, size):
            try:
                await client.write_gatt_char(self._write_char, piece, response=self._write_response)
            except BleakError as exc:
                if not self.connected:
                    raise TransportError(f"the BLE connection to {self.describe()} dropped while sending") from exc
                raise TransportError(f"writing a {len(piece)}-byte fragment to {self.describe()} failed: {exc}") \
                    from exc

    def _on_notify(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        for item in self._reassembler.feed(bytes(data)):
            if isinstance(item, FragmentError):
                item = TransportError(f"corrupt answer from {self.describe()}: {item}")
            self.messages.put(item)

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is not self.client:
            return  # an old link, already replaced
        self.connected = False
        log.info("%s: the link dropped", self.describe())
        self.messages.put(_Dropped())
