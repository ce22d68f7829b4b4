"""Helpers for the BLE transport tests: a simulated peripheral on bumble's stack on its own virtual radio, reached
through bleak and the bumble backend.

The `kit` fixture that builds them is in conftest.py beside this file (a fixture imported into a test module
would be shadowed by the tests' parameter of the same name, which ruff rightly reports as F811).
"""
from __future__ import annotations

import sys
from pathlib import Path

from keybench.rigs.ble.connection import BleConnection, BleSpec
from keybench.rigs.ble.payload import ApduOverBle, FramesOverBle
from keybench.rigs.ble.bumble_backend import BumbleBleakClient, BumbleBleakScanner, BumbleCentral
from keybench.rigs.ble.loop import LoopThread
from keybench.rigs.link import Link
from keybench.simulator.ble_gatt import ImKeyPeripheral
from keybench.simulator.ble_radio import VirtualRadio
from keybench.simulator.device import Device

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SERVICE = "46540001-0001-00c4-0000-465453414645"
PY = sys.executable


class BleKit:
    """One simulated device as a peripheral, one harness connection to it, and a Link on top."""

    def __init__(self, *, mtu: int = 247, payload: str = "keybench-frames", require_bond: bool = True,
                 write_properties=("write", "write-without-response"), seed: int = 1, link_timeout: float = 5.0,
                 central_mtu: int = 517, **spec):
        self.loop = LoopThread("keybench-ble-test")
        self.peripheral = ImKeyPeripheral(Device(seed=seed), service_uuid=SERVICE, name="imKeyPro", payload=payload,
                                          max_mtu=mtu, require_bond=require_bond,
                                          write_properties=tuple(write_properties))
        self.radio: VirtualRadio | None = None
        self.central = BumbleCentral(self.loop.run(self._radio(), 10.0), max_mtu=central_mtu)
        defaults = dict(service_uuid=SERVICE, name="imKeyPro", scan_timeout=2.0, connect_timeout=2.0,
                        write_timeout=2.0)
        defaults.update(spec)
        self.connection = BleConnection(BleSpec(**defaults), loop=self.loop,
                                        client_kwargs={"backend": BumbleBleakClient, "bumble": self.central},
                                        scanner_kwargs={"backend": BumbleBleakScanner, "bumble": self.central})
        self.payload = payload
        self.link_timeout = link_timeout
        self.link: Link | None = None

    def open(self) -> "BleKit":
        self.connection.open()
        transport = (ApduOverBle(self.connection, "test") if self.payload == "apdu"
                     else FramesOverBle(self.connection))
        self.link = Link(transport, timeout=self.link_timeout)
        return self

    async def _radio(self):
        self.radio = VirtualRadio()
        self.peripheral.address = self.radio.next_address()
        await self.radio.add(self.peripheral)
        return self.radio.controller()

    def on_loop(self, fn, *args):
        """Run a plain function (or a coroutine function) on the BLE loop thread, where bumble lives."""
        async def call():
            result = fn(*args)
            return await result if hasattr(result, "__await__") else result

        return self.loop.run(call(), 5.0)

    def close(self) -> None:
        self.connection.close()
        if self.loop.running:
            self.loop.run(self.central.close(), 5.0)
        self.loop.stop()


class Script:
    """A scripted operator prompt: answers requests in order, checking each one's kind."""

    def __init__(self, *steps: tuple[str, str]):
        self.steps = list(steps)
        self.requests = []

    def __call__(self, request) -> str:
        self.requests.append(request)
        assert self.steps, f"the script ran out at: {request.action}"
        kind, answer = self.steps.pop(0)
        assert request.kind == kind, f"expected a {kind!r} request, got {request.kind!r}: {request.action}"
        return answer
