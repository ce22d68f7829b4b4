"""The device screen as a picture: the 128x64 1-bit framebuffer (docs/protocol.md, debug op FRAMEBUFFER) to PNG and
back, the word area of a secret screen masked, and the picture of what differs between two screens. Pillow only.

Pictures are scaled up with NEAREST so every device pixel is a crisp square, lit pixels a light colour on a dark
ground like an OLED. Each picture is made of exactly four colours (dark, lit, masked, and the diff's own), so a
golden PNG reads back into the framebuffer it was made from, bit for bit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 128, 64
FRAMEBUFFER_BYTES = WIDTH * HEIGHT // 8  # row-major, 16 bytes a row, most significant bit first, 1 = lit
SCALE = 4

DARK = (8, 12, 20)
LIT = (150, 220, 255)
MASKED = (70, 70, 80)  # the word area of a secret screen: neither lit nor dark, so it never reads back as pixels
ONLY_EXPECTED = (255, 70, 70)  # diff: lit in the golden screen, dark now
ONLY_ACTUAL = (70, 230, 70)  # diff: dark in the golden screen, lit now
SAME_LIT = (90, 90, 100)  # diff: lit in both, dimmed so the differences stand out
MASK_DIFFERS = (200, 120, 0)  # diff: the masked word area differs (known from the digest, not shown)
FRAME = (255, 230, 0)  # diff: a thin frame around the differing pixels, so that even one is found at a glance

_PALETTE = [DARK, LIT, MASKED, ONLY_EXPECTED, ONLY_ACTUAL, SAME_LIT, MASK_DIFFERS, FRAME]


class BadFramebuffer(ValueError):
    """Not a framebuffer of this display, or a picture that is not one of its screens."""


def check_framebuffer(fb: bytes) -> bytes:
    if not isinstance(fb, (bytes, bytearray)) or len(fb) != FRAMEBUFFER_BYTES:
        size = f"{len(fb)} bytes" if isinstance(fb, (bytes, bytearray)) else type(fb).__name__
        raise BadFramebuffer(f"a framebuffer is {FRAMEBUFFER_BYTES} bytes ({WIDTH}x{HEIGHT}, 1 bit a pixel); "
                             f"got {size}")
    return bytes(fb)


def lit_pixels(fb: bytes) -> list[list[bool]]:
    """rows[y][x]: whether the pixel is lit."""
    bits = Image.frombytes("1", (WIDTH, HEIGHT), check_framebuffer(fb)).load()
    return [[bool(bits[x, y]) for x in range(WIDTH)] for y in range(HEIGHT)]


@dataclass(frozen=True)
class Mask:
    """Rows `top` to the bottom of the screen are hidden in a stored picture (a secret screen's words)."""
    top: int

    def hides(self, y: int) -> bool:
        return y >= self.top


def secret_mask(fb: bytes) -> Mask:
    """The area below the title line: from the first dark row after the first lit row (the title's glyphs and
    any rule drawn under it stay visible) down to the bottom. With no title found, the whole screen."""
    rows = [any(row) for row in lit_pixels(fb)]
    first_lit = next((y for y, lit in enumerate(rows) if lit), None)
    if first_lit is None:
        return Mask(0)
    return Mask(next((y for y in range(first_lit, HEIGHT) if not rows[y]), HEIGHT))


def _paletted(colours: list[list[int]]) -> Image.Image:
    """Palette indices per device pixel -> the scaled-up picture."""
    image = Image.new("P", (WIDTH, HEIGHT))
    image.putpalette([channel for colour in _PALETTE for channel in colour])
    image.putdata([index for row in colours for index in row])
    return image.resize((WIDTH * SCALE, HEIGHT * SCALE), Image.Resampling.NEAREST)


def screen_picture(fb: bytes, mask: Mask | None = None) -> Image.Image:
    pixels = lit_pixels(fb)
    return _paletted([[2 if mask and mask.hides(y) else int(pixels[y][x]) for x in range(WIDTH)]
                      for y in range(HEIGHT)])


def save_screen(fb: bytes, path: Path, mask: Mask | None = None) -> Path:
    picture = screen_picture(fb, mask)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path, format="PNG", optimize=True)
    return path


@dataclass(frozen=True)
class StoredScreen:
    """A screen read back from a PNG: its pixels, and which rows were masked when it was stored."""
    pixels: list[list[bool]]
    masked_from: int | None  # first masked row, or None when nothing was masked


def read_screen(path: Path) -> StoredScreen:
    """A picture save_screen wrote, back to pixels. Any other picture is refused, naming the file and why."""
    with Image.open(path) as image:
        if image.size != (WIDTH * SCALE, HEIGHT * SCALE):
            raise BadFramebuffer(f"{path}: {image.size[0]}x{image.size[1]} pixels; a stored screen is "
                                 f"{WIDTH * SCALE}x{HEIGHT * SCALE} ({WIDTH}x{HEIGHT} scaled {SCALE}x)")
        small = image.convert("RGB").resize((WIDTH, HEIGHT), Image.Resampling.NEAREST)
    data = colours(small)
    pixels: list[list[bool]] = []
    masked_from = None
    for y in range(HEIGHT):
        row = data[y * WIDTH:(y + 1) * WIDTH]
        if any(colour not in (DARK, LIT, MASKED) for colour in row):
            raise BadFramebuffer(f"{path}: row {y} has a colour that is neither lit, dark nor masked; "
                                 f"it is not a picture keybench stored")
        if MASKED in row and masked_from is None:
            masked_from = y
        pixels.append([colour == LIT for colour in row])
    return StoredScreen(pixels, masked_from)


@dataclass(frozen=True)
class Difference:
    count: int  # differing pixels outside the masked rows
    box: tuple[int, int, int, int] | None  # (left, top, right, bottom) of them, inclusive; None when none

    def where(self) -> str:
        if self.box is None:
            return "nowhere"
        left, top, right, bottom = self.box
        return f"x {left}-{right}, y {top}-{bottom}"


def difference(expected: list[list[bool]], actual: list[list[bool]], skip_from: int | None = None) -> Difference:
    """Pixels that differ, leaving out rows from `skip_from` on (a masked area: compared by digest instead)."""
    spots = [(x, y) for y in range(HEIGHT if skip_from is None else skip_from) for x in range(WIDTH)
             if expected[y][x] != actual[y][x]]
    if not spots:
        return Difference(0, None)
    xs, ys = [x for x, _ in spots], [y for _, y in spots]
    return Difference(len(spots), (min(xs), min(ys), max(xs), max(ys)))


def save_diff(expected: list[list[bool]], actual: list[list[bool]], path: Path,
              mask: Mask | None = None, mask_differs: bool = False) -> Path:
    """Red: lit in the golden screen only; green: lit now only; grey: lit in both; a yellow frame around them. A
    masked area is drawn plain (or orange when its digest differs), never its pixels."""
    def colour(x: int, y: int) -> int:
        if mask and mask.hides(y):
            return 6 if mask_differs else 2
        was, now = expected[y][x], actual[y][x]
        return 5 if was and now else 3 if was else 4 if now else 0

    picture = _paletted([[colour(x, y) for x in range(WIDTH)] for y in range(HEIGHT)])
    box = difference(expected, actual, skip_from=mask.top if mask else None).box
    if box is not None:  # drawn between device pixels' squares: one screen pixel wide, two device pixels out
        left, top, right, bottom = box
        ImageDraw.Draw(picture).rectangle(((left - 2) * SCALE, (top - 2) * SCALE, (right + 3) * SCALE - 1,
                                           (bottom + 3) * SCALE - 1), outline=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path, format="PNG", optimize=True)
    return path


def colours(image: Image.Image) -> list[tuple[int, int, int]]:
    """Every pixel's (r, g, b), row by row."""
    raw = image.convert("RGB").tobytes()
    return [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]


def pixels_to_framebuffer(pixels: list[list[bool]]) -> bytes:
    image = Image.new("1", (WIDTH, HEIGHT))
    image.putdata([255 if lit else 0 for row in pixels for lit in row])
    return image.tobytes()


def file_slug(text: str, limit: int = 60) -> str:
    """Lower-case words joined by '-', safe as a file name on any system; cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug or "screen"


def step_picture_name(step_number: int, step_text: str) -> str:
    """`03-the-user-enters-the-right-pin-on-the-device.png`: the step's number in the scenario, then its text."""
    return f"{step_number:02d}-{file_slug(step_text)}.png"
