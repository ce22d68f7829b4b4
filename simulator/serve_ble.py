"""python -m keybench.simulator serve-ble --tcp HOST:PORT: the simulated imKey on bumble's stack, in its own process.

The process holds a simulated radio (simulator/ble_radio.py): the device as a bumble GATT peripheral on one
virtual controller, and for each TCP client another virtual controller spoken to in HCI over the socket. To the
harness the socket is a Bluetooth controller like a USB dongle: its bleak backend opens it with bumble's
"tcp-client:HOST:PORT" transport and does everything else (scan, connect, SMP, ATT) with bumble's host stack.
The device, its storage and its bonds outlive connections, as a real device outlives its BLE links. The rig:
simulator = "tcp://HOST:PORT" (docs/ble.md).

bumble used to ship a "link relay" for controllers in different processes; the bumble this project installs no
longer has it, so HCI over TCP is the cross-process seam.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Callable

from keybench.simulator.ble_gatt import PAYLOADS, ImKeyPeripheral
from keybench.simulator.ble_radio import VirtualRadio
from keybench.simulator.device import Device
from keybench.simulator.server import host_port, run_server

DEFAULT_SERVICE = "46540001-0001-00c4-0000-465453414645"


async def serve_ble(peripheral: ImKeyPeripheral, host: str, port: int,
                    on_listening: Callable[[int], None] = lambda port: None,
                    stop: asyncio.Event | None = None) -> None:
    """Serve until `stop` is set (or forever). From another thread, set it with loop.call_soon_threadsafe."""
    radio = VirtualRadio()
    await radio.add(peripheral)
    await radio.serve_hci(host, port, on_listening, stop)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve-ble", help="serve the device as a BLE peripheral on bumble's stack, HCI over TCP "
                                         "(docs/ble.md)")
    p.add_argument("--tcp", required=True, type=host_port, metavar="HOST:PORT",
                   help="address to listen on (port 0: any)")
    p.add_argument("--seed", type=int, default=None, help="default RNG seed (repeatable runs)")
    p.add_argument("--name", default="", help="advertised name (default: the device's BLE name)")
    p.add_argument("--address", default="C0:FF:EE:00:00:01", help="the peripheral's random static address")
    p.add_argument("--service-uuid", default=DEFAULT_SERVICE, help="GATT service UUID")
    p.add_argument("--write-uuid", default="", help="write characteristic (default: derived from the service)")
    p.add_argument("--notify-uuid", default="", help="notify characteristic (default: derived from the service)")
    p.add_argument("--payload", choices=PAYLOADS, default="keybench-frames")
    p.add_argument("--mtu", type=int, default=247, help="the peripheral's largest ATT MTU (23..517)")
    p.add_argument("--no-bond", action="store_true", help="accept writes on links that are not encrypted")
    p.add_argument("-v", "--verbose", action="store_true")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    host, port = args.tcp
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    try:
        peripheral = ImKeyPeripheral(Device(seed=args.seed), service_uuid=args.service_uuid,
                                     write_uuid=args.write_uuid, notify_uuid=args.notify_uuid, name=args.name,
                                     address=args.address, payload=args.payload, max_mtu=args.mtu,
                                     require_bond=not args.no_bond)
    except ValueError as exc:
        parser.error(str(exc))
    return run_server(lambda: asyncio.run(serve_ble(peripheral, host, port, on_listening=lambda bound: print(
        f"listening on {host}:{bound} (HCI over TCP) as BLE peripheral {peripheral.name!r} ({peripheral.address})",
        flush=True))), host, port)
