"""A device over Bluetooth LE through bleak: a real imKey on a bench, or the simulator as a GATT peripheral.

[settings] (docs/ble.md; docs/rig-templates/bench-ble.toml is a commented template for a real device):
`simulator` = "" drives a real device: through the platform's bleak backend (BlueZ, CoreBluetooth, WinRT), or, with
`hci` = a bumble transport such as "usb:0", through the bumble backend on that controller (a USB HCI dongle, no
BlueZ). "in-process" puts the simulated device, as a bumble GATT peripheral, and the harness's bumble host on one
virtual radio in this process; "tcp://HOST:PORT" reaches `python -m keybench.simulator serve-ble` (HCI over TCP).
Either way the harness side is the same bleak.BleakClient/BleakScanner code, only `backend=` differs.

Without the debug_link capability the physical side is a bench operator (rigs/operator.py), power included:
power_cycle/power_on ask the operator, then reconnect (switching a device off drops its BLE link).
"""
from __future__ import annotations

import logging
import re
from typing import Any

from keybench.rigs.ble.connection import WRITE_MODES, BleConnection, BleSpec
from keybench.rigs.ble.loop import LoopThread
from keybench.rigs.ble.payload import ApduOverBle, FramesOverBle
from keybench.rigs.config import BadRigFile, RigConfig, RigError, settings_dataclass
from keybench.rigs.operator import DEFAULT_OPERATOR_TIMEOUT_S, OperatorPower
from keybench.rigs.registry import register
from keybench.rigs.target import Target
from keybench.rigs.transport import Transport, TransportError

log = logging.getLogger("keybench.ble")

PAYLOADS = ("keybench-frames", "apdu")
DEBUG_CAPABILITIES = ("debug_link", "power_cut", "factory_erase")


@settings_dataclass
class BleSettings:
    name: str = ""  # advertised local name to scan for
    address: str = ""  # or the device's address (macOS: its CoreBluetooth UUID); wins over name
    service_uuid: str = ""  # required: imKey's is not public (candidates in docs/ble.md)
    write_uuid: str = ""  # "" = the service's writable characteristic
    notify_uuid: str = ""  # "" = the service's notifying characteristic
    payload: str = "keybench-frames"  # or "apdu" (a real imKey: raw APDUs, no debug link)
    pair: bool = True  # bond before use
    write_mode: str = "auto"  # auto | with-response | without-response
    fragment_size: int = 0  # 0 = ATT_MTU - 3; 20 = the vendor library's writes
    scan_timeout: float = 20.0
    connect_timeout: float = 20.0
    timeout: float = 20.0  # an answer's deadline (the vendor library's default)
    confirm_timeout: float = 120.0  # for requests that wait for the user on the device
    operator_timeout: float = DEFAULT_OPERATOR_TIMEOUT_S  # each question to the bench operator
    auto_reconnect: bool = True
    adapter: str = ""  # BlueZ adapter, e.g. "hci1" ("" = the default)
    hci: str = ""  # real device: "" = the platform's Bluetooth stack; a bumble transport ("usb:0") = bumble on it
    simulator: str = ""  # "" real device | "in-process" | "tcp://HOST:PORT"
    sim_mtu: int = 247  # in-process simulator: the peripheral's largest ATT MTU


@register("ble")
class BleTarget(OperatorPower, Target):
    Settings = BleSettings
    connection: BleConnection | None = None
    loop: LoopThread | None = None  # bleak's (and the in-process simulator's) event loop
    central: Any = None  # the bumble host (bumble backend only)
    peripheral: Any = None  # the simulated peripheral (in-process simulator only)

    def __init__(self, rig: RigConfig):
        super().__init__(rig)
        self._check()  # a rig file's mistakes show before anything starts

    @property
    def answer_timeout(self) -> float:
        return self.settings.timeout

    @property
    def confirm_timeout(self) -> float:
        return self.settings.confirm_timeout

    def _check(self) -> None:
        s = self.settings
        if not s.service_uuid:
            raise BadRigFile(f"rig {self.rig.name!r}: set service_uuid (imKey's is not public; docs/ble.md lists "
                           f"the vendor library's candidates)")
        if s.payload not in PAYLOADS:
            raise BadRigFile(f"rig {self.rig.name!r}: payload {s.payload!r}, want one of {PAYLOADS}")
        if s.write_mode not in WRITE_MODES:
            raise BadRigFile(f"rig {self.rig.name!r}: write_mode {s.write_mode!r}, want one of {WRITE_MODES}")
        if s.fragment_size and s.fragment_size < 4:
            raise BadRigFile(f"rig {self.rig.name!r}: fragment_size {s.fragment_size}: 0 (ATT_MTU - 3) or >= 4")
        if s.payload == "apdu":
            claimed = [c for c in DEBUG_CAPABILITIES if self.rig.has(c)]
            if claimed:
                raise BadRigFile(f"rig {self.rig.name!r}: payload \"apdu\" has no debug link, yet the rig claims "
                               f"{claimed}")
        if s.simulator not in ("", "in-process") and not re.fullmatch(r"tcp://[^:/\s]+:\d+", s.simulator):
            raise BadRigFile(f"rig {self.rig.name!r}: simulator {s.simulator!r}, want \"\", \"in-process\" or "
                             f"\"tcp://HOST:PORT\"")
        if s.hci and s.simulator:
            raise BadRigFile(f"rig {self.rig.name!r}: hci {s.hci!r} is for a real device; a simulator brings its own "
                             f"(leave hci empty)")
        if not (s.name or s.address or s.simulator == "in-process"):
            raise BadRigFile(f"rig {self.rig.name!r}: set name or address of the device to scan for")

    def _backends(self) -> tuple[dict, dict, str, str]:
        """bleak keyword arguments (client, scanner) and the name/address to scan for."""
        s = self.settings
        if not s.simulator and not s.hci:
            extra = {"bluez": {"adapter": s.adapter}} if s.adapter else {}
            return extra, dict(extra), s.name, s.address
        from keybench.rigs.ble.bumble_backend import BumbleBleakClient, BumbleBleakScanner, BumbleCentral

        name = s.name
        if s.simulator == "in-process":
            controller, name = self._in_process_radio()
            self.central = BumbleCentral(controller)
        elif s.simulator:  # "tcp://HOST:PORT" (_check): serve-ble's virtual controller, HCI over TCP
            self.central = BumbleCentral("tcp-client:" + s.simulator.removeprefix("tcp://"))
        else:
            self.central = BumbleCentral(s.hci)
        return ({"backend": BumbleBleakClient, "bumble": self.central},
                {"backend": BumbleBleakScanner, "bumble": self.central}, name, s.address)

    def _in_process_radio(self) -> tuple[Any, str]:
        """The simulated device as a bumble peripheral on its own virtual radio (no cross-talk between benches), on
        the BLE loop; returns a controller on that radio for the harness's bumble host, and the advertised name."""
        from keybench.simulator.ble_gatt import ImKeyPeripheral
        from keybench.simulator.ble_radio import VirtualRadio
        from keybench.simulator.device import Device

        s = self.settings

        async def build() -> Any:
            radio = VirtualRadio()
            self.peripheral = ImKeyPeripheral(
                Device(seed=self.rig.seed or 0), service_uuid=s.service_uuid, write_uuid=s.write_uuid,
                notify_uuid=s.notify_uuid, name=s.name, address=s.address or radio.next_address(),
                payload=s.payload, max_mtu=s.sim_mtu)
            await radio.add(self.peripheral)
            return radio.controller()

        try:
            controller = self.loop.run(build(), 10.0, "starting the simulated BLE peripheral")
        except ValueError as exc:
            raise RigError(f"rig {self.rig.name!r}: {exc}") from None
        return controller, s.name or self.peripheral.name

    def start(self) -> Transport:
        self._check()
        s = self.settings
        self.loop = LoopThread()
        try:
            client_kwargs, scanner_kwargs, name, address = self._backends()
        except BaseException:
            self.stop()  # the loop thread (and a half-built simulator) must not outlive a failed start
            raise
        spec = BleSpec(service_uuid=s.service_uuid, name=name, address=address, write_uuid=s.write_uuid,
                       notify_uuid=s.notify_uuid, pair=s.pair, write_mode=s.write_mode,
                       fragment_size=s.fragment_size, scan_timeout=s.scan_timeout,
                       connect_timeout=s.connect_timeout, write_timeout=s.timeout, auto_reconnect=s.auto_reconnect)
        self.connection = BleConnection(spec, client_kwargs=client_kwargs, scanner_kwargs=scanner_kwargs,
                                        loop=self.loop)
        try:
            self.connection.open()
        except TransportError as exc:
            self.stop()
            raise RigError(f"{self.describe()}: {exc}") from None
        if s.payload == "apdu":
            return ApduOverBle(self.connection, self.rig.name)
        return FramesOverBle(self.connection)

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.loop is not None:
            if self.central is not None and self.loop.running:
                try:
                    self.loop.run(self.central.close(), 5.0, "closing the bumble host")
                except (TimeoutError, OSError) as exc:  # closing must not fail a session's teardown
                    log.warning("%s: %s", self.describe(), exc)
            self.central = None
            self.loop.stop()
            self.loop = None

    def after_power_change(self) -> None:
        """The operator switched the device: its BLE link is gone (or about to go). Connect afresh."""
        if self.connection is not None:
            try:
                self.connection.reconnect()
            except TransportError as exc:
                raise RigError(f"{self.describe()}: the device did not come back after its power change: {exc}") \
                    from None

    def describe(self) -> str:
        s = self.settings
        where = {"": f" (through bumble on {s.hci})" if s.hci else "",
                 "in-process": " (in-process simulator)"}.get(s.simulator, f" (simulator at {s.simulator})")
        who = s.address or (repr(s.name) if s.name else "the simulated device")
        return f"BLE target {who}{where} of rig {self.rig.name!r}"
