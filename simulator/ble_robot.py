"""A scripted bench operator for the simulated BLE device: it does what the host's operator requests ask, for real.

On a rig without a debug link every physical action is a question to a person (OperatorHands). This operator
answers by acting on the simulated device's physical side (the device's buttons and screen, under the
peripheral's lock) and by power-cycling it, which drops its BLE link like a real power switch would. So the
operator path runs real scenarios without a person:

    python -m pytest features --rig tests/ble/sim-ble-operator.toml -p keybench.rigs.ble.sim_operator

It is a prompt in the sense of rigs/operator.py (a callable taking an OperatorRequest, read by its fields), so
the simulator imports nothing from the host; `-p keybench.rigs.ble.sim_operator` installs it for a pytest session.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from keybench.protocol.debuglink import Button, Op


class RobotError(AssertionError):
    pass


@dataclass
class SimulatedOperator:
    peripheral: object = None  # an ImKeyPeripheral (ble_gatt.py); None: the asking target's (request.target.peripheral)
    requests: list = field(default_factory=list)  # every OperatorRequest, in order

    def __call__(self, request) -> str:
        self.requests.append(request)
        peripheral = self.peripheral or getattr(request.target, "peripheral", None)
        if peripheral is None:
            raise RobotError(f"no simulated device to act on for: {request.action}")
        kind, args = request.kind, request.args
        if kind in ("power_cycle", "power_on"):
            peripheral.power_cycle()
            return ""
        with peripheral.lock:
            device = peripheral.device
            if kind in ("type", "type_confirm"):
                self._do(device, Op.TYPE, args["text"].encode("ascii"), request)
            if kind in ("press", "type_confirm"):
                self._do(device, Op.PRESS, bytes([Button[args["button"]]]), request)
            if kind == "choose":
                self._do(device, Op.CHOOSE, args["item"].encode("ascii"), request)
            if kind == "screen":
                return "\n".join(device.ui.lines()) + "\n"
        return ""

    @staticmethod
    def _do(device, op: Op, arg: bytes, request) -> None:
        sw, _ = device.debug(op, arg)
        # A person can always press and type; what the device did about it shows on the screen. Only an action
        # the screen does not offer at all (6985: no such field or menu item) is one the operator cannot do.
        if sw == 0x6985:
            raise RobotError(f"the device offers no way to {request.action}: it shows {device.ui.lines()[:1]}")

