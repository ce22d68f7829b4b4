"""What crosses the simulated air between a central (the harness's bleak backend) and the simulated peripheral.

Real ATT PDUs for the GATT traffic (MTU exchange, read, write request/command, notification, error response),
plus a few simulator-only PDUs (0xE0..0xEF) that stand in for what the link layer and SMP do on a real radio:
advertising, connection, service discovery, pairing. Disconnection is the link closing (the TCP socket, or the
in-process pipe). Over TCP every PDU is preceded by its 2-byte big-endian
length. docs/ble.md describes the whole exchange.
"""
from __future__ import annotations

import asyncio
import enum
import json
from typing import Any

DEFAULT_ATT_MTU = 23
MAX_ATT_MTU = 517
BASE_UUID_TAIL = "-0000-1000-8000-00805f9b34fb"
CCCD_UUID = "00002902" + BASE_UUID_TAIL
GAP_SERVICE_UUID = "00001800" + BASE_UUID_TAIL
DEVICE_NAME_UUID = "00002a00" + BASE_UUID_TAIL
MAX_PACKET = 0xFFFF


class Op(enum.IntEnum):
    # ATT (Bluetooth Core, Vol 3 Part F)
    ERROR_RSP = 0x01
    MTU_REQ = 0x02
    MTU_RSP = 0x03
    READ_REQ = 0x0A
    READ_RSP = 0x0B
    WRITE_REQ = 0x12
    WRITE_RSP = 0x13
    NOTIFY = 0x1B
    WRITE_CMD = 0x52
    # Simulator-only: link layer, discovery and SMP stand-ins
    ADVERTISE = 0xE0  # peripheral -> central, JSON advertisement, first PDU on every TCP connection
    CONNECT = 0xE1  # central -> peripheral, JSON {"central": id}; answered by CONNECTED or REFUSED
    CONNECTED = 0xE2
    REFUSED = 0xE3  # JSON {"reason": ...}, then the peripheral closes
    DISCOVER_REQ = 0xE4
    DISCOVER_RSP = 0xE5  # JSON GATT table
    PAIR_REQ = 0xE6
    PAIR_RSP = 0xE7
    UNPAIR_REQ = 0xE8
    UNPAIR_RSP = 0xE9


class AttError(enum.IntEnum):
    INVALID_HANDLE = 0x01
    READ_NOT_PERMITTED = 0x02
    WRITE_NOT_PERMITTED = 0x03
    INSUFFICIENT_AUTHENTICATION = 0x05
    REQUEST_NOT_SUPPORTED = 0x06
    INVALID_ATTRIBUTE_VALUE_LENGTH = 0x0D
    UNLIKELY_ERROR = 0x0E


def normalize_uuid(uuid: str) -> str:
    """16/32-bit to 128-bit on the Bluetooth base UUID, lower case (bleak's convention)."""
    text = uuid.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) == 4:
        return "0000" + text + BASE_UUID_TAIL
    if len(text) == 8:
        return text + BASE_UUID_TAIL
    if len(text) == 36:
        return text
    raise ValueError(f"not a UUID: {uuid!r}")


def u16(value: int) -> bytes:
    return value.to_bytes(2, "little")  # ATT is little-endian


def parse_u16(data: bytes, offset: int = 0) -> int:
    return int.from_bytes(data[offset : offset + 2], "little")


def pdu(op: Op, body: bytes = b"") -> bytes:
    return bytes([op]) + body


def json_pdu(op: Op, obj: Any) -> bytes:
    return pdu(op, json.dumps(obj, separators=(",", ":")).encode())


def json_body(packet: bytes) -> Any:
    return json.loads(packet[1:].decode())


def error_rsp(request_op: int, handle: int, code: AttError) -> bytes:
    return pdu(Op.ERROR_RSP, bytes([request_op]) + u16(handle) + bytes([code]))


# TCP packets: 2-byte big-endian length, then the PDU
def encode_packet(data: bytes) -> bytes:
    if len(data) > MAX_PACKET:
        raise ValueError(f"PDU of {len(data)} bytes is too long for the simulated air")
    return len(data).to_bytes(2, "big") + data


async def read_packet(reader: asyncio.StreamReader) -> bytes | None:
    """One PDU, or None when the other side closed the connection."""
    try:
        head = await reader.readexactly(2)
        return await reader.readexactly(int.from_bytes(head, "big"))
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def parse_hostport(text: str) -> tuple[str, int]:
    """'tcp://HOST:PORT' or 'HOST:PORT'."""
    spec = text.removeprefix("tcp://")
    host, _, port = spec.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"want tcp://HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)
