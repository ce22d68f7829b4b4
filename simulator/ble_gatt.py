"""The simulated device as a BLE GATT peripheral on bumble's stack: what an imKey looks like to a phone.

A bumble `Device` (HCI host, L2CAP, ATT/GATT server, SMP) on a virtual controller (simulator/ble_radio.py) with
one imKey service: a write characteristic (the host's requests, write and write without response) and a notify
characteristic (the device's answers; bumble adds its CCCD). Messages are imKey fragments
(protocol/ble_fragments.py) both ways. The ATT rules are bumble's, not ours: the MTU exchange, CCCD writes,
notification values capped at ATT_MTU - 3, write permissions that need an encrypted (bonded) link.

Bonding: LE Secure Connections "just works" (no display or keyboard on the BLE side), bonding on; the keys live
on this object, so they survive power cycles as a real device's flash does (docs/ble.md says why this model).

What a message carries (`payload`): "keybench-frames", one keybench frame per message (debug link included), or
"apdu", a raw APDU and its raw answer (data || SW) as a real imKey.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from bumble import gatt, hci
from bumble.att import Attribute
from bumble.core import AdvertisingData, UUID
from bumble.device import Connection, Device as BumbleDevice
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport.common import AsyncPipeSink

from keybench.protocol.ble_fragments import FragmentError, Reassembler, fragment
from keybench.protocol.framing import INTER_BYTE_TIMEOUT_S, Channel, Frame, FrameDecoder
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint

log = logging.getLogger("keybench.simulator.ble")

PAYLOADS = ("keybench-frames", "apdu")
DEFAULT_ATT_MTU, MAX_ATT_MTU = 23, 517

# The service UUIDs imKey's vendor library knows (which one a device uses is not public), with the write and
# notify characteristics the simulator offers under each. The FIDO ones are the FIDO BLE spec's control point
# and status; the other two follow the vendor library's ...0002... / ...0003... pattern (inferred).
SERVICE_CANDIDATES: dict[str, tuple[str, str]] = {
    "46540001-0001-00c4-0000-465453414645": ("46540002-0001-00c4-0000-465453414645",
                                             "46540003-0001-00c4-0000-465453414645"),
    "48eb9001-f352-5fa0-9b06-8fcaa22602cf": ("48eb9002-f352-5fa0-9b06-8fcaa22602cf",
                                             "48eb9003-f352-5fa0-9b06-8fcaa22602cf"),
    "0000fffd-0000-1000-8000-00805f9b34fb": ("f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb",
                                             "f1d0fff2-deaa-ecee-b42f-c9ba7ed623bb"),
}
_PROPERTIES = {"write": gatt.Characteristic.Properties.WRITE,
               "write-without-response": gatt.Characteristic.Properties.WRITE_WITHOUT_RESPONSE}


def normalize_uuid(uuid: str) -> str:
    """The 128-bit lower-case form bleak reports ("fffd" -> "0000fffd-0000-1000-8000-00805f9b34fb")."""
    text = uuid.strip().lower()
    return f"0000{text}-0000-1000-8000-00805f9b34fb" if len(text) == 4 else text


def default_characteristics(service_uuid: str) -> tuple[str, str]:
    service = normalize_uuid(service_uuid)
    if service in SERVICE_CANDIDATES:
        return SERVICE_CANDIDATES[service]
    first = service[:8]
    if first.endswith("0001"):
        return first[:4] + "0002" + service[8:], first[:4] + "0003" + service[8:]
    raise ValueError(f"no default characteristics for service {service}: give the write and notify UUIDs")


@dataclass
class Faults:
    """Misbehaviour on demand, for tests of the harness's error paths."""

    drop_on_message: int = 0  # disconnect instead of answering the n-th complete message from now (1 = the next)
    drop_mid_request: bool = False  # disconnect after the first write fragment of the next multi-fragment request
    drop_mid_answer: bool = False  # disconnect after the first notification of the next answer
    mute: bool = False  # swallow messages, answer nothing
    mangle: Callable[[list[bytes]], list[bytes]] | None = None  # rewrites each answer's notification fragments


@dataclass
class AirLog:
    """What the peripheral saw and sent, for tests: value sizes of writes received and notifications sent."""

    writes: list[int] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)
    rejected_fragments: list[str] = field(default_factory=list)
    mtus: list[int] = field(default_factory=list)


class ImKeyPeripheral:
    def __init__(self, device: Device, *, service_uuid: str, write_uuid: str = "", notify_uuid: str = "",
                 name: str = "", address: str = "C0:FF:EE:00:00:01", payload: str = "keybench-frames",
                 max_mtu: int = 247, require_bond: bool = True,
                 write_properties: tuple[str, ...] = ("write", "write-without-response")):
        if payload not in PAYLOADS:
            raise ValueError(f"payload {payload!r}: want one of {PAYLOADS}")
        if not DEFAULT_ATT_MTU <= max_mtu <= MAX_ATT_MTU:
            raise ValueError(f"ATT MTU {max_mtu} out of range {DEFAULT_ATT_MTU}..{MAX_ATT_MTU}")
        unknown = set(write_properties) - set(_PROPERTIES)
        if unknown or not write_properties:
            raise ValueError(f"write properties {sorted(write_properties)}: want some of {sorted(_PROPERTIES)}")
        self.device = device
        self.lock = threading.RLock()  # the device is shared with the physical side (a bench operator)
        self.service_uuid = normalize_uuid(service_uuid)
        default_write, default_notify = ("", "") if write_uuid and notify_uuid else \
            default_characteristics(self.service_uuid)
        self.write_uuid = normalize_uuid(write_uuid or default_write)
        self.notify_uuid = normalize_uuid(notify_uuid or default_notify)
        self.name = name or device.ble_name
        self.address = address.upper()
        self.payload, self.max_mtu, self.require_bond = payload, max_mtu, require_bond
        self.write_properties = tuple(write_properties)
        self.keystore = MemoryKeyStore()  # the device's bonds: kept across power cycles and re-attachments
        self.faults = Faults()
        self.air_log = AirLog()
        self.stack: BumbleDevice | None = None
        self.controller = None  # the virtual controller the stack runs on
        self.connection: Connection | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._notify_char: gatt.Characteristic | None = None
        self._session: _Session | None = None
        self._send_lock: asyncio.Lock | None = None

    # Bringing it up on a controller
    async def attach(self, controller) -> None:
        """Run the peripheral's bumble host on `controller` (a virtual controller) and start advertising."""
        self.loop = asyncio.get_running_loop()
        self.controller = controller
        self._send_lock = asyncio.Lock()
        stack = BumbleDevice(name=self.name, address=hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS),
                             host=Host(controller, AsyncPipeSink(controller)))
        stack.keystore = self.keystore
        stack.gatt_server.max_mtu = self.max_mtu
        stack.pairing_config_factory = lambda _connection: PairingConfig(
            sc=True, mitm=False, bonding=True, delegate=PairingDelegate(PairingDelegate.NO_OUTPUT_NO_INPUT))
        permission = Attribute.WRITEABLE | (Attribute.WRITE_REQUIRES_ENCRYPTION if self.require_bond else 0)
        properties = gatt.Characteristic.Properties(0)
        for name in self.write_properties:
            properties |= _PROPERTIES[name]
        write_char = gatt.Characteristic(self.write_uuid, properties, permission,
                                         gatt.CharacteristicValue(write=self._on_write))
        self._notify_char = gatt.Characteristic(self.notify_uuid, gatt.Characteristic.Properties.NOTIFY, 0)
        stack.add_service(gatt.Service(self.service_uuid, [write_char, self._notify_char]))
        stack.on(stack.EVENT_CONNECTION, self._on_connection)
        await stack.power_on()
        self.stack = stack
        await stack.start_advertising(auto_restart=True, advertising_interval_min=20, advertising_interval_max=20,
                                      advertising_data=self._advertising_data(),
                                      scan_response_data=bytes(AdvertisingData([
                                          (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode("utf-8"))])))

    def _advertising_data(self) -> bytes:
        """Flags, the service UUID and the name in 31 bytes: a name longer than 8 bytes is shortened there (the
        scan response carries it whole; bumble's virtual controller answers scans with the advertisement)."""
        name = self.name.encode("utf-8")
        kind = AdvertisingData.COMPLETE_LOCAL_NAME if len(name) <= 8 else AdvertisingData.SHORTENED_LOCAL_NAME
        return bytes(AdvertisingData([
            (AdvertisingData.FLAGS, bytes([0x06])),  # LE general discoverable, no BR/EDR
            (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, bytes(UUID(self.service_uuid))),
            (kind, name[:8])]))

    # Connections
    def _on_connection(self, connection: Connection) -> None:
        old = self._session
        if old is not None:
            old.stop_timer()
        self.connection = connection
        self._session = _Session(self, connection)
        connection.on(connection.EVENT_CONNECTION_ATT_MTU_UPDATE,
                      lambda: self.air_log.mtus.append(connection.att_mtu))
        connection.on(connection.EVENT_DISCONNECTION, lambda _reason: self._on_disconnection(connection))
        log.info("%s: connected to %s", self.name, connection.peer_address)

    def _on_disconnection(self, connection: Connection) -> None:
        if self.connection is connection:
            self.connection = None
            if self._session is not None:
                self._session.stop_timer()
            self._session = None
        log.info("%s: %s disconnected", self.name, connection.peer_address)

    def drop_connection(self) -> None:
        """The radio link goes away (out of range, device off). Safe from any thread."""
        connection, loop = self.connection, self.loop
        if connection is not None and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._disconnect(connection)))

    def _hang_up(self) -> None:
        """A fault: stop listening at once (writes still in flight are ignored), then disconnect."""
        self._session = None
        self.drop_connection()

    async def _disconnect(self, connection: Connection) -> None:
        try:
            await connection.disconnect()
        except Exception as exc:  # already gone: nothing left to drop
            log.info("%s: disconnect: %s", self.name, exc)

    def power_cycle(self) -> None:
        """Someone switched the device off and on: RAM lost, storage (and bonds) kept, the BLE link dropped."""
        self.drop_connection()
        with self.lock:
            self.device.boot()

    async def bonded_peers(self) -> list[str]:
        return [name for name, _keys in await self.keystore.get_all()]

    async def forget_bonds(self) -> None:
        """The device loses every bond (a reset, or a bond table that was wiped): old centrals cannot encrypt."""
        for name in await self.bonded_peers():
            await self.keystore.delete(name)

    # Requests in, answers out
    def _on_write(self, connection: Connection, value: bytes) -> None:
        session = self._session
        if session is None or session.connection is not connection:
            return
        self.air_log.writes.append(len(value))
        for item in session.reassembler.feed(bytes(value)):
            if isinstance(item, FragmentError):
                log.warning("%s: dropped a broken request: %s", self.name, item)
                self.air_log.rejected_fragments.append(str(item))
            else:
                self._on_message(session, item)
        if self.faults.drop_mid_request and session.reassembler.mid_message:
            self.faults.drop_mid_request = False
            log.info("%s: fault injection: disconnecting in the middle of a request", self.name)
            self._hang_up()

    def _on_message(self, session: "_Session", message: bytes) -> None:
        faults = self.faults
        if faults.drop_on_message:
            faults.drop_on_message -= 1
            if faults.drop_on_message == 0:
                log.info("%s: fault injection: disconnecting instead of answering", self.name)
                return self._hang_up()
        if faults.mute:
            return
        for answer in self._answer(session, message):
            self.send_message(answer)

    def _answer(self, session: "_Session", message: bytes) -> list[bytes]:
        with self.lock:
            if self.payload == "apdu":
                reply = self.device.handle(Frame(Channel.HOST, 0, message))
                if reply is None or reply.channel != Channel.HOST:
                    log.info("%s: the device is off; the APDU gets no answer", self.name)
                    return []
                return [reply.payload]
            out = session.endpoint.feed(message)
        session.inter_byte_timer(running=session.endpoint.mid_frame)
        return split_frames(out)

    def send_message(self, message: bytes, size: int = 0) -> None:
        """Queue one message as notifications of `size` bytes (default ATT_MTU - 3). Call on the peripheral's loop."""
        connection = self.connection
        if connection is None:
            return
        pieces = fragment(message, size or connection.att_mtu - 3)
        if self.faults.mangle:
            pieces = self.faults.mangle(pieces)
        asyncio.ensure_future(self._notify_all(connection, pieces))

    async def _notify_all(self, connection: Connection, pieces: list[bytes]) -> None:
        assert self._send_lock is not None
        async with self._send_lock:  # answers leave in the order they were made
            for index, piece in enumerate(pieces):
                if self.connection is not connection:
                    return
                if index == 1 and self.faults.drop_mid_answer:
                    self.faults.drop_mid_answer = False
                    log.info("%s: fault injection: disconnecting in the middle of an answer", self.name)
                    return await self._disconnect(connection)
                self.air_log.notifications.append(len(piece))
                await self.stack.notify_subscriber(connection, self._notify_char, piece)


def split_frames(stream: bytes) -> list[bytes]:
    """The device's answer bytes, one encoded frame each (one BLE message per frame)."""
    return [item.encode() for item in FrameDecoder().feed(stream) if isinstance(item, Frame)]


class _Session:
    """One central's connection: fragment reassembly and the frame stream's inter-byte timeout."""

    def __init__(self, peripheral: ImKeyPeripheral, connection: Connection):
        self.peripheral, self.connection = peripheral, connection
        self.reassembler = Reassembler()
        self.endpoint = StreamEndpoint(peripheral.device)
        self._timer: asyncio.TimerHandle | None = None

    def stop_timer(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None

    def inter_byte_timer(self, running: bool) -> None:
        """A message that carried only part of a frame: the device answers `truncated` after the timeout."""
        self.stop_timer()
        if running:
            self._timer = asyncio.get_running_loop().call_later(INTER_BYTE_TIMEOUT_S, self._expire)

    def _expire(self) -> None:
        self._timer = None
        with self.peripheral.lock:
            out = self.endpoint.expire()
        for answer in split_frames(out):
            self.peripheral.send_message(answer)
