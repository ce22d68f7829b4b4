"""A pytest plugin for a run in a child process: the simulator draws the PIN-entry screen ("Enter PIN") with ONE
pixel flipped, every other screen as it is. Loaded with `-p flip_pin_pixel` (tests/golden on PYTHONPATH)."""
from __future__ import annotations

from keybench.simulator import display

PIN_TITLE = "Enter PIN"
PIXEL = (120, 60)  # bottom right, where no screen draws: the flip lights it


def flipped_render(original):
    def render(lines, *rest):
        fb = original(lines, *rest)
        if not lines or lines[0] != PIN_TITLE:
            return fb
        x, y = PIXEL
        data = bytearray(fb)
        data[y * (display.WIDTH // 8) + x // 8] ^= 0x80 >> (x % 8)
        return bytes(data)
    return render


def pytest_configure(config) -> None:
    display.render = flipped_render(display.render)  # the device module calls display.render at every read
