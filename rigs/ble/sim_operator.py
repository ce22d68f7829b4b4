"""pytest plugin: the simulated BLE device's robot (simulator/ble_robot.py) answers every bench-operator question.

The robot acts on the simulated device's physical side; which prompt answers the operator's questions is the
host's business (rigs/operator.py), so the hook that installs the robot lives here, not in the simulator:

    python -m pytest features --rig tests/ble/sim-ble-operator.toml -p keybench.rigs.ble.sim_operator
"""
from __future__ import annotations

from keybench.rigs.operator import install_prompt
from keybench.simulator.ble_robot import SimulatedOperator


def pytest_configure(config) -> None:
    install_prompt(SimulatedOperator())


def pytest_unconfigure(config) -> None:
    install_prompt(None)
