"""Fixtures for the BLE transport tests (helpers in ble_kit.py: a uniquely named module, since several
conftest.py files share the module name "conftest")."""
from __future__ import annotations

import pytest

from ble_kit import BleKit


@pytest.fixture
def kit():
    kits: list[BleKit] = []

    def make(**kwargs) -> BleKit:
        k = BleKit(**kwargs)
        kits.append(k)
        return k

    yield make
    for k in kits:
        k.close()
