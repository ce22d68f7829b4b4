"""The display's framebuffer over Bluetooth LE: FRAMEBUFFER's 514-byte answers come back whole in MTU-sized
notifications, and Hands.framebuffer() joins them into what the simulated device's display shows."""
from __future__ import annotations

import pytest

from keybench.protocol.debuglink import Op
from keybench.rigs.hands import DebugLinkHands, NoFramebuffer
from keybench.rigs.operator import OperatorHands
from keybench.simulator.display import render


@pytest.mark.parametrize("mtu", [23, 247])
def test_the_framebuffer_comes_back_whole_over_ble(kit, mtu):
    k = kit(mtu=mtu).open()
    device = k.peripheral.device
    k.link.debug_ok(Op.TYPE, b"1234")
    fb = DebugLinkHands(k.link).framebuffer()
    assert fb == k.on_loop(device.framebuffer)
    assert fb == render(["Set PIN", "Enter 6 to 8 digits"], k.on_loop(device.ui.display_state))


def test_the_operator_path_says_it_cannot_read_pixels():
    with pytest.raises(NoFramebuffer, match="OperatorHands cannot read the device's framebuffer"):
        OperatorHands("bench-ble").framebuffer()
