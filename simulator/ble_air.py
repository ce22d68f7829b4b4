"""The simulated radio between a central and simulated peripherals: in-process, or over TCP to another process.

An `Air` is one radio neighbourhood inside a process: the peripherals advertising in it. A central reaches a
peripheral through a link that carries PDUs (simulator/ble_wire.py) both ways; delivery is always deferred to
the event loop, as radio traffic is, so no callback ever runs inside the send that caused it.
"""
from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Callable, Union

from keybench.simulator.ble_peripheral import GattPeripheral
from keybench.simulator.ble_wire import Op, encode_packet, json_body, json_pdu, parse_hostport, read_packet

PROBE_TIMEOUT_S = 1.0


class Air:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._peripherals: dict[str, GattPeripheral] = {}
        self._addresses = itertools.count(1)

    def next_address(self) -> str:
        n = next(self._addresses)
        return f"C0:FF:EE:00:{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}"

    def add(self, peripheral: GattPeripheral) -> None:
        with self._lock:
            other = self._peripherals.get(peripheral.address.upper())
            if other is not None and other is not peripheral:
                raise ValueError(f"two simulated peripherals at {peripheral.address}")
            self._peripherals[peripheral.address.upper()] = peripheral

    def remove(self, peripheral: GattPeripheral) -> None:
        with self._lock:
            if self._peripherals.get(peripheral.address.upper()) is peripheral:
                del self._peripherals[peripheral.address.upper()]
        peripheral.drop_connection()

    def peripherals(self) -> list[GattPeripheral]:
        with self._lock:
            return list(self._peripherals.values())


Sim = Union[Air, str]  # an Air, or "tcp://HOST:PORT" of `python -m keybench.simulator serve-ble`


class LinkClosed(ConnectionError):
    pass


class InProcessLink:
    """The central's end of a connection to a peripheral in this process (same event loop)."""

    def __init__(self, peripheral: GattPeripheral, central: str, on_packet: Callable[[bytes], None],
                 on_close: Callable[[], None]):
        self.loop = asyncio.get_running_loop()
        self.on_packet, self.on_close = on_packet, on_close
        self.closed = False
        self.conn = peripheral.connect(central, self._to_central, self._hung_up, self.loop)

    async def send(self, packet: bytes) -> None:
        if self.closed:
            raise LinkClosed("the link is closed")
        self.loop.call_soon(self._to_peripheral, packet)

    def _to_peripheral(self, packet: bytes) -> None:
        if not self.closed:
            self.conn.receive(packet)

    def _to_central(self, packet: bytes) -> None:
        self.loop.call_soon(self._deliver, packet)

    def _deliver(self, packet: bytes) -> None:
        if not self.closed:
            self.on_packet(packet)

    def _hung_up(self) -> None:
        self.loop.call_soon(self._closed_by_peer)

    def _closed_by_peer(self) -> None:
        if not self.closed:
            self.closed = True
            self.on_close()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.conn.close()


class TcpLink:
    """The central's end of a connection to `python -m keybench.simulator serve-ble` in another process."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 on_packet: Callable[[bytes], None], on_close: Callable[[], None]):
        self.reader, self.writer, self.on_packet, self.on_close = reader, writer, on_packet, on_close
        self.closed = False
        self._pump_task = asyncio.get_running_loop().create_task(self._pump())

    @classmethod
    async def open(cls, address: str, central: str, on_packet: Callable[[bytes], None],
                   on_close: Callable[[], None]) -> "TcpLink":
        reader, writer = await asyncio.open_connection(*parse_hostport(address))
        try:
            advert = await read_packet(reader)
            if not advert or advert[0] != Op.ADVERTISE:
                raise LinkClosed(f"{address} is not a simulated peripheral (no advertisement)")
            writer.write(encode_packet(json_pdu(Op.CONNECT, {"central": central})))
            answer = await read_packet(reader)
            if not answer or answer[0] != Op.CONNECTED:
                why = json_body(answer).get("reason", "") if answer and answer[0] == Op.REFUSED else "closed"
                raise LinkClosed(f"{address} refused the connection: {why}")
        except BaseException:
            writer.close()
            raise
        return cls(reader, writer, on_packet, on_close)

    async def _pump(self) -> None:
        try:
            while True:
                packet = await read_packet(self.reader)
                if packet is None:
                    break
                self.on_packet(packet)
        finally:
            if not self.closed:
                self.closed = True
                self.writer.close()
                self.on_close()

    async def send(self, packet: bytes) -> None:
        if self.closed:
            raise LinkClosed("the link is closed")
        self.writer.write(encode_packet(packet))
        await self.writer.drain()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()
            self._pump_task.cancel()


async def advertisements(sim: Sim) -> list[tuple[dict, object]]:
    """One round of advertisements: (advertisement, how to connect) for every peripheral in range."""
    if isinstance(sim, Air):
        return [(p.advertisement(), p) for p in sim.peripherals()]
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(*parse_hostport(sim)), PROBE_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError):
        return []  # nothing listening: nothing in range
    try:
        packet = await asyncio.wait_for(read_packet(reader), PROBE_TIMEOUT_S)
    except asyncio.TimeoutError:
        packet = None
    finally:
        writer.close()
    if not packet or packet[0] != Op.ADVERTISE:
        return []
    return [(json_body(packet), sim)]


async def open_link(details: object, central: str, on_packet: Callable[[bytes], None],
                    on_close: Callable[[], None]):
    """Connect to what advertisements() returned as the way to connect."""
    if isinstance(details, GattPeripheral):
        return InProcessLink(details, central, on_packet, on_close)
    if isinstance(details, str):
        return await TcpLink.open(details, central, on_packet, on_close)
    raise LinkClosed(f"cannot connect to {details!r}: not a simulated peripheral")
