"""The simulated device as a BLE GATT server: what an imKey looks like to a phone's Bluetooth stack.

One service with a write characteristic (the host's requests) and a notify characteristic (the device's
answers), plus the GAP device name. Messages are imKey fragments (protocol/ble_fragments.py) in both directions;
the ATT rules of a real link hold: the negotiated ATT_MTU bounds every write and every notification
(ATT_MTU - 3 bytes of value), notifications flow only after the central wrote the CCCD, and the data
characteristics need a bonded central when `require_bond` is set.

What a message carries (`payload`):
- "keybench-frames": one keybench frame (docs/protocol.md) per message, debug link included;
- "apdu": a raw APDU per message and its raw answer (data || SW), as a real imKey; no debug link.

The peripheral knows nothing of sockets or bleak: a link (simulator/ble_air.py, simulator/ble_serve.py) hands
it PDUs with `PeripheralConnection.receive` and gives it a `send` and a `hang_up` callable.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from keybench.protocol.framing import INTER_BYTE_TIMEOUT_S, Channel, Frame, FrameDecoder
from keybench.protocol.ble_fragments import FragmentError, Reassembler, fragment
from keybench.simulator.ble_wire import (CCCD_UUID, DEFAULT_ATT_MTU, DEVICE_NAME_UUID, GAP_SERVICE_UUID, AttError, Op,
                                         error_rsp, json_pdu, normalize_uuid, parse_u16, pdu, u16)
from keybench.simulator.device import Device
from keybench.simulator.server import StreamEndpoint

log = logging.getLogger("keybench.simulator.ble")

PAYLOADS = ("keybench-frames", "apdu")

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

# Attribute handles of the simulated GATT table
H_GAP_SERVICE, H_NAME = 0x0001, 0x0003
H_SERVICE, H_WRITE, H_NOTIFY, H_CCCD = 0x0010, 0x0012, 0x0014, 0x0015


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

    drop_on_message: int = 0  # hang up instead of answering the n-th complete message from now (1 = the next)
    mute: bool = False  # swallow messages, answer nothing
    mangle: Callable[[list[bytes]], list[bytes]] | None = None  # rewrites each answer's notification fragments


@dataclass
class AirLog:
    """What crossed the air, for tests: value sizes of the writes received and notifications sent."""

    writes: list[int] = field(default_factory=list)
    notifications: list[int] = field(default_factory=list)
    rejected_fragments: list[str] = field(default_factory=list)
    mtus: list[int] = field(default_factory=list)


class GattPeripheral:
    def __init__(self, device: Device, *, service_uuid: str, write_uuid: str = "", notify_uuid: str = "",
                 name: str = "", address: str = "C0:FF:EE:00:00:01", payload: str = "keybench-frames",
                 max_mtu: int = 247, require_bond: bool = True,
                 write_properties: tuple[str, ...] = ("write", "write-without-response")):
        if payload not in PAYLOADS:
            raise ValueError(f"payload {payload!r}: want one of {PAYLOADS}")
        if not DEFAULT_ATT_MTU <= max_mtu <= 517:
            raise ValueError(f"ATT MTU {max_mtu} out of range 23..517")
        self.device = device
        self.lock = threading.RLock()  # the device is shared with the physical side (a bench operator)
        self.service_uuid = normalize_uuid(service_uuid)
        default_write, default_notify = ("", "") if write_uuid and notify_uuid else \
            default_characteristics(self.service_uuid)
        self.write_uuid = normalize_uuid(write_uuid or default_write)
        self.notify_uuid = normalize_uuid(notify_uuid or default_notify)
        self.name = name or device.ble_name
        self.address = address
        self.payload = payload
        self.max_mtu = max_mtu
        self.require_bond = require_bond
        self.write_properties = write_properties
        self.bonded: set[str] = set()
        self.connection: PeripheralConnection | None = None
        self.faults = Faults()
        self.air_log = AirLog()

    # What a scanner sees
    def advertisement(self) -> dict:
        return {"name": self.name, "address": self.address, "service_uuids": [self.service_uuid], "rssi": -42}

    def gatt_table(self) -> dict:
        return {"services": [
            {"uuid": GAP_SERVICE_UUID, "handle": H_GAP_SERVICE, "characteristics": [
                {"uuid": DEVICE_NAME_UUID, "handle": H_NAME, "properties": ["read"], "descriptors": []}]},
            {"uuid": self.service_uuid, "handle": H_SERVICE, "characteristics": [
                {"uuid": self.write_uuid, "handle": H_WRITE, "properties": list(self.write_properties),
                 "descriptors": []},
                {"uuid": self.notify_uuid, "handle": H_NOTIFY, "properties": ["notify"],
                 "descriptors": [{"uuid": CCCD_UUID, "handle": H_CCCD}]}]},
        ]}

    # Connections
    def connect(self, central: str, send: Callable[[bytes], None], hang_up: Callable[[], None],
                loop: asyncio.AbstractEventLoop) -> "PeripheralConnection":
        old = self.connection
        if old is not None and not old.closed:
            log.info("%s: a new connection from %s replaces the one from %s", self.name, central, old.central)
            old.close()
        self.connection = PeripheralConnection(self, central, send, hang_up, loop)
        return self.connection

    def drop_connection(self) -> None:
        """The radio link goes away (out of range, device off). Safe from any thread."""
        conn = self.connection
        if conn is not None and not conn.closed:
            conn.loop.call_soon_threadsafe(conn.close)

    def power_cycle(self) -> None:
        """Someone switched the device off and on: RAM lost, storage kept, and the BLE link dropped."""
        self.drop_connection()
        with self.lock:
            self.device.boot()

    # What a message does on the device
    def answer(self, conn: "PeripheralConnection", message: bytes) -> list[bytes]:
        with self.lock:
            if self.payload == "apdu":
                reply = self.device.handle(Frame(Channel.HOST, 0, message))
                if reply is None or reply.channel != Channel.HOST:
                    log.info("%s: the device is off; the APDU gets no answer", self.name)
                    return []
                return [reply.payload]
            out = conn.endpoint.feed(message)
        conn.inter_byte_timer(running=conn.endpoint.mid_frame)
        return split_frames(out)


def split_frames(stream: bytes) -> list[bytes]:
    """The device's answer bytes, one encoded frame each (one BLE message per frame)."""
    return [item.encode() for item in FrameDecoder().feed(stream) if isinstance(item, Frame)]


class PeripheralConnection:
    """One central's connection: its ATT MTU, CCCD state and fragment reassembly. Runs on one event loop."""

    def __init__(self, peripheral: GattPeripheral, central: str, send: Callable[[bytes], None],
                 hang_up: Callable[[], None], loop: asyncio.AbstractEventLoop):
        self.peripheral, self.central, self._send, self._hang_up, self.loop = peripheral, central, send, hang_up, loop
        self.mtu = DEFAULT_ATT_MTU
        self.notifying = False
        self.closed = False
        self.reassembler = Reassembler()
        self.endpoint = StreamEndpoint(peripheral.device)
        self._timer: asyncio.TimerHandle | None = None

    @property
    def bonded(self) -> bool:
        return self.central in self.peripheral.bonded

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._timer:
            self._timer.cancel()
        self._hang_up()

    def receive(self, packet: bytes) -> None:
        if self.closed or not packet:
            return
        op, body = packet[0], packet[1:]
        p = self.peripheral
        if op == Op.MTU_REQ:
            self.mtu = max(DEFAULT_ATT_MTU, min(parse_u16(body), p.max_mtu))
            p.air_log.mtus.append(self.mtu)
            self._send(pdu(Op.MTU_RSP, u16(p.max_mtu)))
        elif op == Op.DISCOVER_REQ:
            self._send(json_pdu(Op.DISCOVER_RSP, p.gatt_table()))
        elif op == Op.PAIR_REQ:
            p.bonded.add(self.central)
            self._send(pdu(Op.PAIR_RSP))
        elif op == Op.UNPAIR_REQ:
            p.bonded.discard(self.central)
            self._send(pdu(Op.UNPAIR_RSP))
        elif op == Op.READ_REQ:
            self._read(parse_u16(body))
        elif op in (Op.WRITE_REQ, Op.WRITE_CMD):
            self._write(op, parse_u16(body), body[2:])
        else:
            self._send(error_rsp(op, 0, AttError.REQUEST_NOT_SUPPORTED))

    def _read(self, handle: int) -> None:
        if handle == H_NAME:
            self._send(pdu(Op.READ_RSP, self.peripheral.name.encode()[: self.mtu - 1]))
        elif handle in (H_WRITE, H_NOTIFY):
            self._send(error_rsp(Op.READ_REQ, handle, AttError.READ_NOT_PERMITTED))
        else:
            self._send(error_rsp(Op.READ_REQ, handle, AttError.INVALID_HANDLE))

    def _write(self, op: int, handle: int, value: bytes) -> None:
        def refuse(code: AttError, why: str) -> None:
            log.info("%s: write to handle 0x%04X refused: %s", self.peripheral.name, handle, why)
            if op == Op.WRITE_REQ:  # a write command gets no answer, even when refused
                self._send(error_rsp(op, handle, code))

        if len(value) > self.mtu - 3:
            return refuse(AttError.INVALID_ATTRIBUTE_VALUE_LENGTH, f"{len(value)} bytes > ATT_MTU-3 = {self.mtu - 3}")
        if handle == H_CCCD:
            self.notifying = bool(value and value[0] & 0x01)
        elif handle == H_WRITE:
            allowed = "write" if op == Op.WRITE_REQ else "write-without-response"
            if allowed not in self.peripheral.write_properties:
                return refuse(AttError.WRITE_NOT_PERMITTED, f"the characteristic does not allow {allowed}")
            if self.peripheral.require_bond and not self.bonded:
                return refuse(AttError.INSUFFICIENT_AUTHENTICATION, f"central {self.central} is not bonded")
        else:
            return refuse(AttError.WRITE_NOT_PERMITTED if handle in (H_NAME, H_NOTIFY) else AttError.INVALID_HANDLE,
                          "not writable")
        if op == Op.WRITE_REQ:
            self._send(pdu(Op.WRITE_RSP))
        if handle == H_WRITE:
            self.peripheral.air_log.writes.append(len(value))
            self._fragment_in(value)

    def _fragment_in(self, value: bytes) -> None:
        for item in self.reassembler.feed(value):
            if isinstance(item, FragmentError):
                log.warning("%s: dropped a broken request: %s", self.peripheral.name, item)
                self.peripheral.air_log.rejected_fragments.append(str(item))
            else:
                self._on_message(item)

    def _on_message(self, message: bytes) -> None:
        faults = self.peripheral.faults
        if faults.drop_on_message:
            faults.drop_on_message -= 1
            if faults.drop_on_message == 0:
                log.info("%s: fault injection: hanging up instead of answering", self.peripheral.name)
                return self.close()
        if faults.mute:
            return
        for answer in self.peripheral.answer(self, message):
            self.send_message(answer)

    def send_message(self, message: bytes) -> None:
        fragments = fragment(message, self.mtu - 3)
        if self.peripheral.faults.mangle:
            fragments = self.peripheral.faults.mangle(fragments)
        for piece in fragments:
            self.notify(piece)

    def notify(self, value: bytes) -> None:
        """One Handle Value Notification. Never longer than ATT_MTU - 3: such a PDU cannot exist on the air."""
        if len(value) > self.mtu - 3:
            raise ValueError(f"notification of {len(value)} bytes exceeds ATT_MTU-3 = {self.mtu - 3}")
        if self.closed:
            return
        if not self.notifying:
            log.info("%s: notifications are off (CCCD not written); an answer fragment is lost", self.peripheral.name)
            return
        self.peripheral.air_log.notifications.append(len(value))
        self._send(pdu(Op.NOTIFY, u16(H_NOTIFY) + value))

    # The keybench frame stream's inter-byte timeout (a message that carried only part of a frame)
    def inter_byte_timer(self, running: bool) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None
        if running:
            self._timer = self.loop.call_later(INTER_BYTE_TIMEOUT_S, self._expire)

    def _expire(self) -> None:
        self._timer = None
        with self.peripheral.lock:
            out = self.endpoint.expire()
        for answer in split_frames(out):
            self.send_message(answer)
