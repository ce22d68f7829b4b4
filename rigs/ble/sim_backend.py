"""bleak backends that reach the simulated peripheral instead of a Bluetooth adapter.

Injected through bleak's public API: `BleakClient(device, backend=SimBleakClient, sim=...)` and
`BleakScanner(backend=SimBleakScanner, sim=...)`, where `sim` is an in-process `simulator.ble_air.Air` or
"tcp://HOST:PORT" of `python -m keybench.simulator serve-ble`. bleak passes the extra keyword arguments through, so the
harness code above is the same that drives a real device through BlueZ, CoreBluetooth or WinRT.

The client speaks ATT to the peripheral (MTU exchange, write request/command, notifications, CCCD writes, one
outstanding request at a time) and honours bleak's contracts: `services` filled on connect,
`max_write_without_response_size` = ATT_MTU - 3, the disconnected callback only on an unsolicited disconnect.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Optional

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, AdvertisementDataCallback, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError

from keybench.simulator.ble_air import LinkClosed, Sim, advertisements, open_link
from keybench.simulator.ble_wire import CCCD_UUID, DEFAULT_ATT_MTU, MAX_ATT_MTU, Op, json_body, parse_u16, pdu, u16

log = logging.getLogger("keybench.ble.sim")

ATT_TIMEOUT_S = 30.0  # the ATT transaction timeout of the Bluetooth spec
SCAN_INTERVAL_S = 0.1


def _require_sim(sim: Optional[Sim]) -> Sim:
    if sim is None:
        raise BleakError("the simulated backend needs sim= (an in-process Air or 'tcp://HOST:PORT')")
    return sim


class SimBleakScanner(BaseBleakScanner):
    def __init__(self, detection_callback: Optional[AdvertisementDataCallback],
                 service_uuids: Optional[list[str]], scanning_mode: str = "active", *,
                 sim: Optional[Sim] = None, bluez: Any = None, cb: Any = None, **kwargs: Any):
        super().__init__(detection_callback, service_uuids)
        self._sim = _require_sim(sim)
        self._task: Optional[asyncio.Task] = None

    async def start(self) -> None:
        self.seen_devices = {}
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _listen(self) -> None:
        while True:  # a peripheral advertises again and again; a late listener still hears it
            for advert, details in await advertisements(self._sim):
                if not self.is_allowed_uuid(advert["service_uuids"]):
                    continue
                data = AdvertisementData(local_name=advert["name"], manufacturer_data={}, service_data={},
                                         service_uuids=advert["service_uuids"], tx_power=None,
                                         rssi=advert["rssi"], platform_data=())
                device = self.create_or_update_device(advert["address"], advert["address"], advert["name"],
                                                      details, data)
                self.call_detection_callbacks(device, data)
            await asyncio.sleep(SCAN_INTERVAL_S)


class SimBleakClient(BaseBleakClient):
    def __init__(self, address_or_ble_device: BLEDevice | str, *,
                 disconnected_callback: Optional[Callable[[], None]], timeout: float,
                 sim: Optional[Sim] = None, central: str = "keybench-central", central_mtu: int = MAX_ATT_MTU,
                 services: Any = None, bluez: Any = None, winrt: Any = None, **kwargs: Any):
        super().__init__(address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout)
        self._sim = _require_sim(sim)
        self._details = address_or_ble_device.details if isinstance(address_or_ble_device, BLEDevice) else None
        self._central, self._central_mtu = central, central_mtu
        self._link: Any = None
        self._mtu = DEFAULT_ATT_MTU
        self._pending: Optional[asyncio.Future] = None
        self._request_lock: Optional[asyncio.Lock] = None
        self._callbacks: dict[int, NotifyCallback] = {}
        self._name = ""

    # Properties
    @property
    def name(self) -> str:
        return self._name or self.address

    @property
    def mtu_size(self) -> int:
        return self._mtu

    @property
    def is_connected(self) -> bool:
        return self._link is not None and not self._link.closed

    # Connection
    async def connect(self, pair: bool, **kwargs: Any) -> None:
        self._request_lock = asyncio.Lock()
        try:
            async with asyncio.timeout(self._timeout):
                details = self._details if self._details is not None else await self._find()
                self._link = await open_link(details, self._central, self._on_packet, self._on_link_closed)
                answer = await self._request(pdu(Op.MTU_REQ, u16(self._central_mtu)), Op.MTU_RSP)
                self._mtu = max(DEFAULT_ATT_MTU, min(self._central_mtu, parse_u16(answer, 1)))
                self.services = self._services(json_body(await self._request(pdu(Op.DISCOVER_REQ),
                                                                             Op.DISCOVER_RSP)))
                for char in self.services.characteristics.values():
                    if char.uuid == "00002a00-0000-1000-8000-00805f9b34fb":
                        self._name = (await self.read_gatt_char(char)).decode("utf-8", "replace")
                if pair:
                    await self.pair()
        except (OSError, LinkClosed) as exc:
            await self._drop_link()
            raise BleakError(f"could not connect to {self.address}: {exc}") from None
        except BaseException:
            await self._drop_link()
            raise

    async def _find(self) -> object:
        for advert, details in await advertisements(self._sim):
            if advert["address"].upper() == self.address.upper():
                return details
        raise BleakDeviceNotFoundError(self.address, f"Device with address {self.address} was not found.")

    async def disconnect(self) -> None:
        await self._drop_link()

    async def _drop_link(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            await link.close()
        self._fail_pending("disconnected")

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        await self._request(pdu(Op.PAIR_REQ), Op.PAIR_RSP)

    async def unpair(self) -> None:
        await self._request(pdu(Op.UNPAIR_REQ), Op.UNPAIR_RSP)

    # GATT
    async def read_gatt_char(self, characteristic: BleakGATTCharacteristic, **kwargs: Any) -> bytearray:
        return bytearray((await self._request(pdu(Op.READ_REQ, u16(characteristic.handle)), Op.READ_RSP))[1:])

    async def read_gatt_descriptor(self, descriptor: BleakGATTDescriptor, **kwargs: Any) -> bytearray:
        return bytearray((await self._request(pdu(Op.READ_REQ, u16(descriptor.handle)), Op.READ_RSP))[1:])

    async def write_gatt_char(self, characteristic: BleakGATTCharacteristic, data: Any, response: bool) -> None:
        value = bytes(data)
        if response:
            await self._request(pdu(Op.WRITE_REQ, u16(characteristic.handle) + value), Op.WRITE_RSP)
            return
        if len(value) > self._mtu - 3:
            raise BleakError(f"write without response of {len(value)} bytes exceeds ATT_MTU-3 = {self._mtu - 3}")
        await self._send(pdu(Op.WRITE_CMD, u16(characteristic.handle) + value))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        await self._request(pdu(Op.WRITE_REQ, u16(descriptor.handle) + bytes(data)), Op.WRITE_RSP)

    async def start_notify(self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback,
                           **kwargs: Any) -> None:
        cccd = characteristic.get_descriptor(CCCD_UUID)
        if cccd is None:
            raise BleakError(f"characteristic {characteristic.uuid} has no CCCD: it cannot notify")
        self._callbacks[characteristic.handle] = callback
        await self._request(pdu(Op.WRITE_REQ, u16(cccd.handle) + b"\x01\x00"), Op.WRITE_RSP)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        cccd = characteristic.get_descriptor(CCCD_UUID)
        self._callbacks.pop(characteristic.handle, None)
        if cccd is not None and self.is_connected:
            await self._request(pdu(Op.WRITE_REQ, u16(cccd.handle) + b"\x00\x00"), Op.WRITE_RSP)

    # ATT plumbing
    async def _send(self, packet: bytes) -> None:
        if not self.is_connected:
            raise BleakError("Not connected")
        try:
            await self._link.send(packet)
        except (OSError, LinkClosed) as exc:
            raise BleakError(f"Not connected ({exc})") from None

    async def _request(self, packet: bytes, expect: Op) -> bytes:
        assert self._request_lock is not None, "connect() first"
        async with self._request_lock:  # ATT: one outstanding request per connection
            self._pending = asyncio.get_running_loop().create_future()
            try:
                await self._send(packet)
                answer = await asyncio.wait_for(self._pending, ATT_TIMEOUT_S)
            finally:
                self._pending = None
        if answer[0] == Op.ERROR_RSP:
            raise BleakGATTProtocolError(answer[4])
        if answer[0] != expect:
            raise BleakError(f"expected ATT PDU 0x{expect:02X}, got 0x{answer[0]:02X}")
        return answer

    def _on_packet(self, packet: bytes) -> None:
        if packet[0] == Op.NOTIFY:
            callback = self._callbacks.get(parse_u16(packet, 1))
            if len(packet) - 3 > self._mtu - 3:
                log.error("dropped an impossible notification of %d bytes (ATT_MTU %d)", len(packet) - 3, self._mtu)
            elif callback is not None:
                callback(bytearray(packet[3:]))
        elif self._pending is not None and not self._pending.done():
            self._pending.set_result(packet)
        else:
            log.warning("unexpected PDU 0x%02X from the peripheral", packet[0])

    def _on_link_closed(self) -> None:
        self._link = None
        self._fail_pending("the peripheral disconnected")
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    def _fail_pending(self, why: str) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(BleakError(f"Not connected: {why}"))

    def _services(self, table: dict) -> BleakGATTServiceCollection:
        services = BleakGATTServiceCollection()
        for s in table["services"]:
            service = BleakGATTService(None, s["handle"], s["uuid"])
            services.add_service(service)
            for c in s["characteristics"]:
                char = BleakGATTCharacteristic(None, c["handle"], c["uuid"], c["properties"],
                                               lambda: self._mtu - 3, service)
                services.add_characteristic(char)
                for d in c["descriptors"]:
                    services.add_descriptor(BleakGATTDescriptor(None, d["handle"], d["uuid"], char))
        return services
