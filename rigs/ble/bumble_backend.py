"""bleak backends on bumble's Bluetooth host stack: BleakClient / BleakScanner over any HCI controller.

Injected through bleak's public API: `BleakClient(device, backend=BumbleBleakClient, bumble=central)` and
`BleakScanner(backend=BumbleBleakScanner, bumble=central)`, where `central` is a `BumbleCentral`: one bumble host
on one controller, shared by the scan and the connection that follows it (a controller has one host). The
controller is whatever bumble can open: "tcp-client:HOST:PORT" (`python -m keybench.simulator serve-ble`),
"usb:0" (a real USB HCI dongle, no BlueZ needed), or, in process, a virtual controller object on the simulated
peripheral's radio. The harness code above bleak is the same that drives BlueZ, CoreBluetooth or WinRT.

Everything ATT, L2CAP, SMP and HCI is bumble's. This module only maps bumble's objects onto bleak's contracts:
`services` filled on connect, `max_write_without_response_size` = ATT_MTU - 3, the disconnected callback only on
an unsolicited disconnect, GATT errors as BleakGATTProtocolError, and bonding: `pair=True` pairs (LE Secure
Connections, just works) the first time and encrypts with the stored bond after that.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import uuid as uuid_module
from typing import Any, Callable, Optional

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError, BleakGATTProtocolError
from bumble import hci
from bumble.att import ATT_Error
from bumble.core import UUID, AdvertisingData, BaseBumbleError
from bumble.device import Advertisement, Connection, Device, Peer
from bumble.gatt import Characteristic
from bumble.host import Host
from bumble.keys import MemoryKeyStore
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport import open_transport
from bumble.transport.common import AsyncPipeSink

log = logging.getLogger("keybench.ble.bumble")

MAX_ATT_MTU = 517
_PROPERTY_NAMES = {Characteristic.Properties.READ: "read", Characteristic.Properties.WRITE: "write",
                   Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
                   Characteristic.Properties.NOTIFY: "notify", Characteristic.Properties.INDICATE: "indicate"}
_CLOSE_WAIT_S = 2.0
_LOST_BOND = (hci.HCI_PIN_OR_KEY_MISSING_ERROR, hci.HCI_AUTHENTICATION_FAILURE_ERROR)


class BumbleCentral:
    """One bumble host on one controller. `hci_spec`: a bumble transport name ("tcp-client:HOST:PORT", "usb:0") or an
    in-process controller object. The host and its bonds (in memory) live until close(). Its address is a new
    random static one unless given: two harness processes on one serve-ble never share one."""

    def __init__(self, hci_spec: Any, *, address: str = "", max_mtu: int = MAX_ATT_MTU):
        if not hci_spec:
            raise ValueError("BumbleCentral needs an HCI transport (e.g. \"usb:0\") or a controller")
        self.hci_spec, self.max_mtu = hci_spec, max_mtu
        # A random static address has its two top bits set.
        self.address = address or ":".join(f"{b:02X}" for b in bytes([0xC0 | secrets.randbits(6)])
                                           + secrets.token_bytes(5))
        self.keystore = MemoryKeyStore()  # the harness's bonds (a phone's bond store)
        self._device: Device | None = None
        self._transport: Any = None
        self._lock: asyncio.Lock | None = None
        self.on_lost: list[Callable[[], None]] = []  # called when the HCI transport goes away

    def describe(self) -> str:
        return self.hci_spec if isinstance(self.hci_spec, str) else "an in-process virtual controller"

    async def device(self) -> Device:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._device is None:
                self._device = await self._power_on()
        return self._device

    async def _power_on(self) -> Device:
        if isinstance(self.hci_spec, str):
            try:
                self._transport = await open_transport(self.hci_spec)
            except Exception as exc:  # each transport's driver raises its own kind (OSError, usb1.USBError, ...)
                raise BleakError(f"cannot open the HCI transport {self.hci_spec!r}: {type(exc).__name__}: {exc}") \
                    from None
            host = Host(self._transport.source, self._transport.sink)
            transport = self._transport
            transport.source.terminated.add_done_callback(lambda _done: self._lost(transport))
        else:
            host = Host(self.hci_spec, AsyncPipeSink(self.hci_spec))
        device = Device(name="keybench", address=hci.Address(self.address, hci.Address.RANDOM_DEVICE_ADDRESS),
                        host=host)
        device.keystore = self.keystore
        device.pairing_config_factory = lambda _connection: PairingConfig(
            sc=True, mitm=False, bonding=True, delegate=PairingDelegate(PairingDelegate.NO_OUTPUT_NO_INPUT))
        await device.power_on()
        return device

    def _lost(self, transport: Any) -> None:
        """The controller went away (a dongle unplugged, serve-ble ended): the next use opens it afresh."""
        if transport is not self._transport:
            return
        log.info("the HCI transport %s closed", self.describe())
        self._device, self._transport = None, None
        for callback in list(self.on_lost):
            callback()

    async def close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            for connection in list(device.connections.values()):
                await _quietly(asyncio.wait_for(connection.disconnect(), _CLOSE_WAIT_S))
        if self._transport is not None:
            transport, self._transport = self._transport, None
            await transport.close()


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except (BaseBumbleError, hci.HCI_Error, asyncio.TimeoutError) as exc:
        log.info("ignored while closing: %s", exc)


def _central(bumble: Optional[BumbleCentral]) -> BumbleCentral:
    if not isinstance(bumble, BumbleCentral):
        raise BleakError("the bumble backend needs bumble=BumbleCentral(...) (docs/ble.md)")
    return bumble


class BumbleBleakScanner(BaseBleakScanner):
    def __init__(self, detection_callback: Optional[AdvertisementDataCallback],
                 service_uuids: Optional[list[str]], scanning_mode: str = "active", *,
                 bumble: Optional[BumbleCentral] = None, **kwargs: Any):
        super().__init__(detection_callback, service_uuids)
        self._central = _central(bumble)
        self._active = scanning_mode != "passive"
        self._device: Device | None = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._device = await self._central.device()
        self._device.on(self._device.EVENT_ADVERTISEMENT, self._on_advertisement)
        await self._device.start_scanning(active=self._active)

    async def stop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            device.remove_listener(device.EVENT_ADVERTISEMENT, self._on_advertisement)
            await device.stop_scanning()

    def _on_advertisement(self, advert: Advertisement) -> None:
        uuids = [bleak_uuid(u) for kind in (AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                                            AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS)
                 for u in advert.data.get(kind) or ()]
        address = advert.address.to_string(False)
        known = self.seen_devices.get(address)
        # Active scanning: the advertisement and the scan response arrive apart; a device is both together.
        uuids = uuids or (list(known[1].service_uuids) if known else [])
        name = advert.data.get(AdvertisingData.COMPLETE_LOCAL_NAME) or (known[0].name if known else None)
        if not self.is_allowed_uuid(uuids):
            return
        data = AdvertisementData(local_name=name, manufacturer_data={}, service_data={}, service_uuids=uuids,
                                 tx_power=None, rssi=advert.rssi, platform_data=(advert,))
        device = self.create_or_update_device(address, address, name, advert.address, data)
        self.call_detection_callbacks(device, data)


def bleak_uuid(uuid: UUID) -> str:
    """bleak's form of a UUID: 128-bit, lower case, with dashes."""
    return str(uuid_module.UUID(bytes=uuid.to_bytes(force_128=True)[::-1]))


class BumbleBleakClient(BaseBleakClient):
    def __init__(self, address_or_ble_device: BLEDevice | str, *,
                 disconnected_callback: Optional[Callable[[], None]], timeout: float,
                 bumble: Optional[BumbleCentral] = None, services: Any = None, **kwargs: Any):
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._central = _central(bumble)
        details = address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice) else None
        self._peer_address = details if isinstance(details, hci.Address) else \
            hci.Address(str(self.address), hci.Address.RANDOM_DEVICE_ADDRESS)
        self._name = address_or_ble_device.name if isinstance(address_or_ble_device, BLEDevice) else None
        self._connection: Connection | None = None
        self._central.on_lost.append(self._on_transport_lost)
        self._peer: Peer | None = None
        self._proxies: dict[int, Any] = {}  # bleak handle -> bumble proxy
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._leaving = False  # a disconnect we asked for: no disconnected callback

    @property
    def name(self) -> str:
        return self._name or self.address

    @property
    def mtu_size(self) -> int:
        return self._connection.att_mtu if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    # Connection
    async def connect(self, pair: bool, **kwargs: Any) -> None:
        device = await self._central.device()
        self._leaving = False
        try:
            async with asyncio.timeout(self._timeout):
                connection = await device.connect(self._peer_address, timeout=self._timeout)
                self._connection = connection
                connection.on(connection.EVENT_DISCONNECTION, lambda reason: self._on_disconnection(connection, reason))
                if pair:
                    await self.pair()
                self._peer = Peer(connection)
                await self._peer.request_mtu(self._central.max_mtu)
                self.services = await self._discover()
        except BaseException as exc:
            await self._drop()
            if isinstance(exc, (BaseBumbleError, hci.HCI_Error, ATT_Error)):
                raise BleakError(f"connecting to {self.address} failed: {exc}") from exc
            raise

    async def disconnect(self) -> None:
        self._leaving = True
        await self._drop()
        self._forget_central()

    def _forget_central(self) -> None:
        if self._on_transport_lost in self._central.on_lost:
            self._central.on_lost.remove(self._on_transport_lost)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await _quietly(asyncio.wait_for(connection.disconnect(), _CLOSE_WAIT_S))

    def _on_transport_lost(self) -> None:
        if self._connection is not None:
            self._on_disconnection(self._connection, hci.HCI_CONNECTION_TIMEOUT_ERROR)

    def _on_disconnection(self, connection: Connection, reason: int) -> None:
        if connection is not self._connection:
            return
        self._connection = None
        self._forget_central()
        log.info("%s: disconnected: %s", self.address, hci.HCI_Constant.error_name(reason))
        if not self._leaving and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        """Bond, or encrypt with the bond made before (a phone reconnecting to its paired device)."""
        connection = self._require_connection()
        try:
            if await self._central.keystore.get(str(self._peer_address)) is not None:
                await connection.encrypt()
            else:
                await connection.pair()
        except hci.HCI_Error as exc:
            if exc.error_code in _LOST_BOND:
                raise BleakError(f"{self.address} no longer knows this host's bond "
                                 f"({hci.HCI_Constant.error_name(exc.error_code)}): the device lost it; remove the "
                                 f"bond on this host (BleakClient.unpair) and pair again") from None
            raise BleakError(f"pairing with {self.address} failed: {exc}") from None
        except BaseBumbleError as exc:
            raise BleakError(f"pairing with {self.address} failed: {exc}") from None

    async def unpair(self) -> None:
        """Forget the bond on this host (the device keeps its own until it is reset)."""
        if await self._central.keystore.get(str(self._peer_address)) is not None:
            await self._central.keystore.delete(str(self._peer_address))

    def _require_connection(self) -> Connection:
        if self._connection is None:
            raise BleakError("Not connected")
        return self._connection

    # GATT
    async def _discover(self) -> BleakGATTServiceCollection:
        peer = self._peer
        assert peer is not None
        collection = BleakGATTServiceCollection()
        self._proxies = {}
        for service in await peer.discover_services():
            bleak_service = BleakGATTService(service, service.handle, bleak_uuid(service.uuid))
            collection.add_service(bleak_service)
            for char in await service.discover_characteristics():
                properties = [name for flag, name in _PROPERTY_NAMES.items() if char.properties & flag]
                bleak_char = BleakGATTCharacteristic(char, char.handle, bleak_uuid(char.uuid), properties,
                                                     lambda: self.mtu_size - 3, bleak_service)
                collection.add_characteristic(bleak_char)
                self._proxies[char.handle] = char
                for descriptor in await char.discover_descriptors():
                    collection.add_descriptor(BleakGATTDescriptor(descriptor, descriptor.handle,
                                                                  bleak_uuid(descriptor.type), bleak_char))
                    self._proxies[descriptor.handle] = descriptor
        return collection

    async def _gatt(self, what: str, awaitable):
        try:
            return await awaitable
        except ATT_Error as exc:
            raise BleakGATTProtocolError(exc.error_code) from None
        except (BaseBumbleError, hci.HCI_Error) as exc:
            if self._connection is None:
                raise BleakError(f"Not connected: the link dropped during {what}") from None
            raise BleakError(f"{what} failed: {exc}") from None

    def _check_connected_for(self, what: str) -> Peer:
        if self._connection is None or self._peer is None:
            raise BleakError(f"Not connected: cannot {what}")
        return self._peer

    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, **kwargs: Any) -> bytearray:
        peer = self._check_connected_for("read")
        return bytearray(await self._gatt("a read", peer.read_value(self._proxies[characteristic.handle])))

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, **kwargs: Any) -> bytearray:
        peer = self._check_connected_for("read")
        return bytearray(await self._gatt("a read", peer.read_value(self._proxies[descriptor.handle])))

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any, response: bool) -> None:
        peer = self._check_connected_for("write")
        value = bytes(data)
        if not response and len(value) > self.mtu_size - 3:  # a write command cannot be split
            raise BleakError(f"write without response of {len(value)} bytes exceeds ATT_MTU-3 = {self.mtu_size - 3}")
        await self._gatt("a write", peer.write_value(self._proxies[characteristic.handle], value,
                                                     with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        peer = self._check_connected_for("write")
        await self._gatt("a write", peer.write_value(self._proxies[descriptor.handle], bytes(data),
                                                     with_response=True))

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback,
                           **kwargs: Any) -> None:
        self._check_connected_for("subscribe")
        proxy = self._proxies[characteristic.handle]

        def deliver(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = deliver
        await self._gatt("subscribing", proxy.subscribe(deliver))  # bumble writes the CCCD

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        deliver = self._subscribers.pop(characteristic.handle, None)
        if deliver is not None and self._connection is not None:
            await self._gatt("unsubscribing", self._proxies[characteristic.handle].unsubscribe(deliver))
