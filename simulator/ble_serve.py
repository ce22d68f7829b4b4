"""python -m keybench.simulator serve-ble --tcp HOST:PORT: the simulated device as a BLE peripheral in its own process.

Every TCP connection first gets the peripheral's advertisement (a scanner reads it and hangs up); a central
then sends CONNECT and the connection carries ATT PDUs (simulator/ble_wire.py). The device and its storage
outlive connections, as a real device outlives its BLE links. The harness reaches it with a rig whose
[settings] say simulator = "tcp://HOST:PORT" (docs/ble.md).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Callable

from keybench.simulator.ble_peripheral import PAYLOADS, GattPeripheral
from keybench.simulator.ble_wire import Op, encode_packet, json_body, json_pdu, read_packet
from keybench.simulator.device import Device
from keybench.simulator.server import host_port, run_server

log = logging.getLogger("keybench.simulator.ble")

DEFAULT_SERVICE = "46540001-0001-00c4-0000-465453414645"
CONNECT_WAIT_S = 10.0


async def _serve_client(peripheral: GattPeripheral, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
    loop = asyncio.get_running_loop()
    try:
        writer.write(encode_packet(json_pdu(Op.ADVERTISE, peripheral.advertisement())))
        await writer.drain()
        try:
            first = await asyncio.wait_for(read_packet(reader), CONNECT_WAIT_S)
        except asyncio.TimeoutError:
            return
        if not first or first[0] != Op.CONNECT:
            return  # a scanner's probe
        central = str(json_body(first).get("central", "central"))
        conn = peripheral.connect(central, lambda packet: writer.write(encode_packet(packet)), writer.close, loop)
        writer.write(encode_packet(bytes([Op.CONNECTED])))
        log.info("%s: connected to %s", peripheral.name, central)
        while not conn.closed:
            packet = await read_packet(reader)
            if packet is None:
                break
            conn.receive(packet)
            await writer.drain()
        conn.close()
        log.info("%s: %s disconnected", peripheral.name, central)
    except (ConnectionError, OSError) as exc:
        log.info("%s: connection ended: %s", peripheral.name, exc)
    finally:
        writer.close()


async def serve_ble(peripheral: GattPeripheral, host: str, port: int,
                    on_listening: Callable[[int], None] = lambda port: None,
                    stop: asyncio.Event | None = None) -> None:
    """Serve until `stop` is set (or forever). From another thread, set it with loop.call_soon_threadsafe."""
    server = await asyncio.start_server(lambda r, w: _serve_client(peripheral, r, w), host, port)
    on_listening(server.sockets[0].getsockname()[1])
    async with server:
        if stop is None:
            await server.serve_forever()
        else:
            await stop.wait()
        peripheral.drop_connection()


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve-ble", help="serve the device as a simulated BLE peripheral over TCP (docs/ble.md)")
    p.add_argument("--tcp", required=True, type=host_port, metavar="HOST:PORT",
                   help="address to listen on (port 0: any)")
    p.add_argument("--seed", type=int, default=None, help="default RNG seed (repeatable runs)")
    p.add_argument("--name", default="", help="advertised name (default: the device's BLE name)")
    p.add_argument("--address", default="C0:FF:EE:00:00:01", help="advertised address")
    p.add_argument("--service-uuid", default=DEFAULT_SERVICE, help="GATT service UUID")
    p.add_argument("--write-uuid", default="", help="write characteristic (default: derived from the service)")
    p.add_argument("--notify-uuid", default="", help="notify characteristic (default: derived from the service)")
    p.add_argument("--payload", choices=PAYLOADS, default="keybench-frames")
    p.add_argument("--mtu", type=int, default=247, help="the peripheral's largest ATT MTU (23..517)")
    p.add_argument("--no-bond", action="store_true", help="accept writes from centrals that did not pair")
    p.add_argument("-v", "--verbose", action="store_true")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    host, port = args.tcp
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    try:
        peripheral = GattPeripheral(Device(seed=args.seed), service_uuid=args.service_uuid,
                                    write_uuid=args.write_uuid, notify_uuid=args.notify_uuid, name=args.name,
                                    address=args.address, payload=args.payload, max_mtu=args.mtu,
                                    require_bond=not args.no_bond)
    except ValueError as exc:
        parser.error(str(exc))
    return run_server(lambda: asyncio.run(serve_ble(peripheral, host, port, on_listening=lambda bound: print(
        f"listening on {host}:{bound} as BLE peripheral {peripheral.name!r} ({peripheral.address})", flush=True))),
        host, port)
