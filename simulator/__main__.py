"""python -m keybench.simulator serve --tcp 127.0.0.1:PORT [--seed N] [--idle-timeout SECONDS] [--devices N]"""
from __future__ import annotations

import argparse
import logging
import sys

from keybench.simulator import serve_ble
from keybench.simulator.device import Device
from keybench.simulator.server import host_port, run_server
from keybench.simulator.tcp_server import DEFAULT_IDLE_TIMEOUT_S, serve_tcp


def seconds(text: str) -> float:
    """argparse type for a timeout: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"wants a positive number of seconds, got {text!r}")
    return value


def count(text: str) -> int:
    """argparse type for --devices: a whole number from 1 to 64."""
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"wants a whole number from 1 to 64, got {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keybench.simulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the framed protocol over TCP (pyserial socket:// reaches it)")
    serve.add_argument("--tcp", required=True, type=host_port, metavar="HOST:PORT",
                   help="address to listen on (port 0: any)")
    serve.add_argument("--seed", type=int, default=None, help="default RNG seed (repeatable runs)")
    serve.add_argument("--idle-timeout", type=seconds, default=DEFAULT_IDLE_TIMEOUT_S, metavar="SECONDS",
                       help="close a client from which no byte arrived for this long, so it never blocks the "
                            f"next one (default {DEFAULT_IDLE_TIMEOUT_S:g})")
    serve.add_argument("--devices", type=count, default=1, metavar="N",
                       help="N identical devices behind the address, one per connected host, so pytest -n N "
                            "gives each worker its own (default 1: a second host is told busy)")
    serve.add_argument("-v", "--verbose", action="store_true")
    serve_ble.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "serve-ble":
        return serve_ble.run(args, parser)
    host, port = args.tcp
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    devices = [Device(seed=args.seed) for _ in range(args.devices)]
    return run_server(lambda: serve_tcp(devices, host, port, idle_timeout=args.idle_timeout,
                                        on_listening=lambda bound: print(f"listening on {host}:{bound}", flush=True)),
                      host, port)


if __name__ == "__main__":
    sys.exit(main())
