"""The BLE tests' fixture: `kit`, simulated peripherals reached through bleak (ble_kit.py)."""
from __future__ import annotations

import pytest

from ble_kit import BleKit


@pytest.fixture
def kit():
    """kit(**options) -> a BleKit (not yet open); all closed at the end of the test."""
    kits: list[BleKit] = []

    def make(**kwargs) -> BleKit:
        k = BleKit(**kwargs)
        kits.append(k)
        return k

    yield make
    for k in kits:
        k.close()
