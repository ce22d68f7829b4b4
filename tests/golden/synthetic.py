"""Synthetic framebuffers for the picture and golden-screen tests: text drawn with Pillow's built-in font, so these
tests need neither the simulator's renderer nor a device."""
from __future__ import annotations

from PIL import Image, ImageDraw

from keybench.rigs.link import PoweredOff
from keybench.steps.pictures import HEIGHT, WIDTH


def framebuffer(*lines: str) -> bytes:
    """A screen with `lines` drawn from the top, 12 pixels apart, like a title and its lines."""
    image = Image.new("1", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((1, 1 + 12 * row), line, fill=1)
    return image.tobytes()


def flip(fb: bytes, x: int, y: int) -> bytes:
    data = bytearray(fb)
    data[y * (WIDTH // 8) + x // 8] ^= 0x80 >> (x % 8)
    return bytes(data)


class FakeHands:
    """Hands whose screen is whatever the test puts up; `off` makes every read raise like a powered-off device."""

    def __init__(self):
        self.lines: list[str] = ["Set PIN"]
        self.off = False
        self.tweak = None  # (x, y): a pixel flipped in what framebuffer() answers

    def show(self, *lines: str) -> None:
        self.lines = list(lines)

    def framebuffer(self) -> bytes:
        if self.off:
            raise PoweredOff(0x0A, "the device is off")
        fb = framebuffer(*self.lines)
        return flip(fb, *self.tweak) if self.tweak else fb

    def screen(self) -> list[str]:
        return list(self.lines)
