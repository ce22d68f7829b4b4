"""Differential testing of the firmware against the simulator: the lockstep plumbing (one byte stream to each,
answers normalised, the screen read after every step) and the command that runs the Hypothesis state machine
(tests/fuzz/diffmachine.py, which replaced this file's random generator: a mismatch now shrinks to a few steps).

    python firmware/tools/difftest.py --examples 200 --steps 60 --rng 7   # against the host build
    python firmware/tools/difftest.py --url socket://127.0.0.1:PORT       # against any firmware (reset per run)
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from keybench.protocol.debuglink import Op  # noqa: E402
from keybench.protocol.framing import Channel, Frame, FrameDecoder, FrameError  # noqa: E402
from keybench.simulator.device import Device  # noqa: E402
from keybench.simulator.server import StreamEndpoint  # noqa: E402

SENTINEL_SEQ = 0xEE
SCREEN_REQ = Frame(Channel.DEBUG, SENTINEL_SEQ, bytes([Op.SCREEN])).encode()
STATS: Counter[str] = Counter()  # what the runs did, for the figures (docs/fuzzing.md)


def norm(item):
    if isinstance(item, FrameError):
        return ("corrupt", int(item.code), item.seq)
    return (int(item.channel), item.seq, bytes(item.payload))


class SimSide:
    """The simulator behind its stream endpoint, on a clock that stands still: bursts end only at intact frames."""

    def __init__(self, seed: int = 0):
        self.device = Device(seed=seed)
        self.connect()

    def connect(self) -> None:
        self.endpoint = StreamEndpoint(self.device, clock=lambda: 0.0)

    def exchange(self, data: bytes) -> list:
        out = self.endpoint.feed(data + SCREEN_REQ)
        if self.endpoint.mid_frame:  # the host now waits in silence: the inter-byte timeout fires
            out += self.endpoint.expire()
        return [norm(i) for i in FrameDecoder().feed(out)]


class StreamSide:
    """A firmware on a byte stream: send, then read frames until the screen request's answer arrives."""

    def __init__(self, transport, timeout: float = 30.0):
        self.transport = transport
        self.timeout = timeout

    def exchange(self, data: bytes) -> list:
        self.transport.write(data + SCREEN_REQ)
        decoder, out = FrameDecoder(), []
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for item in decoder.feed(self.transport.read(0.5)):
                out.append(norm(item))
                if isinstance(item, Frame) and item.seq == SENTINEL_SEQ and item.channel in (
                        Channel.DEBUG, Channel.ERROR):
                    return out
        out.append(("timeout",))
        return out


class TcpTransport:
    """A plain socket to the host build. pyserial's socket:// sleeps 0.3 s in close(), once per example here."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self, timeout: float) -> bytes:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65536)
        except socket.timeout:
            return b""

    def close(self) -> None:
        self.sock.close()


class HostBackend:
    """A fresh host-build process (its own storage file) per example; a hard power cycle kills and restarts it."""

    hard_power_cycle = True

    def open(self) -> StreamSide:
        from hostdev import HostDevice
        self.dev = HostDevice(seed=0).start()
        self.side = StreamSide(TcpTransport(self.dev.port))
        return self.side

    def power_cycle(self) -> None:
        self.side.transport.close()
        self.dev.restart()
        self.side.transport = TcpTransport(self.dev.port)

    def close(self) -> None:
        self.side.transport.close()
        self.dev.stop()


class StreamBackend:
    """One long-lived firmware (QEMU, a URL): each example powers it on, cycles it and erases it first."""

    hard_power_cycle = False

    def __init__(self, transport):
        self.side = StreamSide(transport)

    def open(self) -> StreamSide:
        for op in (Op.POWER_ON, Op.POWER_CYCLE, Op.FACTORY_ERASE):
            got = self.side.exchange(Frame(Channel.DEBUG, 1, bytes([op])).encode())
            if not got or got[0] != (Channel.DEBUG, 1, b"\x90\x00"):
                raise RuntimeError(f"could not reset the firmware for the next example ({op.name}): {got}")
        return self.side

    def close(self) -> None:
        pass


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=100, help="state-machine runs (default 100)")
    ap.add_argument("--steps", type=int, default=50, help="rules per run at most (default 50)")
    ap.add_argument("--rng", type=int, help="Hypothesis seed, for a reproducible run")
    ap.add_argument("--url", help="pyserial URL of a running firmware (default: start the host build per run)")
    args = ap.parse_args()
    env = {**os.environ, "KB_DIFF_EXAMPLES": str(args.examples), "KB_DIFF_STEPS": str(args.steps)}
    test = "test_host_build_answers_like_the_simulator"
    if args.url:
        env["KB_DIFF_URL"] = args.url
        test = "test_firmware_at_url_answers_like_the_simulator"
    seed = [f"--hypothesis-seed={args.rng}"] if args.rng is not None else []
    return subprocess.run([sys.executable, "-m", "pytest", f"tests/fuzz/test_differential_machine.py::{test}", "-q",
                           *seed], cwd=REPO, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
