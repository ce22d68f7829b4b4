"""The device's 128x64 monochrome display: every screen drawn into a 1-bit framebuffer (docs/device.md, "Display").

firmware/src/display.c is the same algorithm in C; the differential tests hold the two to the same pixels, so
change both together. The font's single source is font5x7.txt beside this file.

Framebuffer: 1024 bytes, row-major, 16 bytes per row, most significant bit first (bit 7 of byte 0 is the
top-left pixel), 1 = lit. Pillow reads it as Image.frombytes("1", (128, 64), fb).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from importlib import resources

WIDTH, HEIGHT = 128, 64
FB_SIZE = WIDTH * HEIGHT // 8
FIRST_CHAR, LAST_CHAR = 0x20, 0x7E
GLYPH_W, GLYPH_H = 5, 8  # 5x7, and an eighth row for descenders (font5x7.txt)
CELL_W = 6  # a glyph and one dark column
COLUMNS = WIDTH // CELL_W  # 21 characters on a line
TITLE_BAR_ROWS = 9  # a lit bar, the title drawn dark in it one row down
BODY_Y, BODY_PITCH, BODY_SLOTS = 11, 9, 6  # body lines at y = 11, 20, ... 56: two dark rows between lines
FIELD_PREFIX, FIELD_CURSOR = "> ", "_"
MENU_PREFIX = "> "
WORDS_Y, WORDS_PITCH, WORDS_ROWS = 13, 12, 3  # a mnemonic page: two columns of three words
WORDS_COL_X = (2, 66)
WORD_X = 14  # a word starts here in its column: the number right-aligned in two cells before it
CODE_SCALE, CODE_Y = 2, 27  # the binding code, twice the size


class Layout(enum.IntEnum):
    TEXT = 0  # title bar, body lines wrapped at words, menu items marked, an optional input field
    WORDS = 1  # a mnemonic page: "N word" lines in two columns, its "Page P of N" line at the bottom
    CODE = 2  # the binding code, big


@dataclass(frozen=True)
class DisplayState:
    """What the display needs besides the text lines."""

    layout: Layout = Layout.TEXT
    field: str | None = None  # what the input field shows (already masked); None: the screen has no field
    menu: tuple[str, ...] = ()  # the body lines that are menu items


class FontError(ValueError):
    """font5x7.txt is malformed; the message names the line."""


def parse_font(text: str) -> list[tuple[int, ...]]:
    """The glyphs of 0x20..0x7E in order, each 8 row bitmasks (bit 4 the leftmost pixel)."""
    glyphs: list[tuple[int, ...]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("# "):
            i += 1
            continue
        head = line.split(" ")
        want = FIRST_CHAR + len(glyphs)
        if head[0] != "glyph" or len(head) < 2 or head[1] != f"0x{want:02X}":
            raise FontError(f"font line {i + 1}: expected 'glyph 0x{want:02X}', got {line!r}")
        rows = lines[i + 1:i + 1 + GLYPH_H]
        for n, row in enumerate(rows):
            if len(row) != GLYPH_W or set(row) - {"#", "."}:
                raise FontError(f"font line {i + 2 + n}: a glyph row is 5 of '#' or '.', got {row!r}")
        if len(rows) != GLYPH_H:
            raise FontError(f"font line {i + 1}: glyph 0x{want:02X} has {len(rows)} rows, not {GLYPH_H}")
        glyphs.append(tuple(int(row.replace("#", "1").replace(".", "0"), 2) for row in rows))
        i += 1 + GLYPH_H
    if len(glyphs) != LAST_CHAR - FIRST_CHAR + 1:
        raise FontError(f"the font has {len(glyphs)} glyphs, not {LAST_CHAR - FIRST_CHAR + 1} (0x20 to 0x7E)")
    return glyphs


def font_text() -> str:
    return resources.files("keybench.simulator").joinpath("font5x7.txt").read_text(encoding="ascii")


@cache
def font() -> list[tuple[int, ...]]:
    return parse_font(font_text())


def wrap(line: str) -> list[str]:
    """Break a line at spaces into lines of at most 21 characters; a word longer than a line is cut."""
    out: list[str] = []
    current: str | None = None
    for word in line.split(" "):
        candidate = word if current is None else current + " " + word
        if len(candidate) <= COLUMNS:
            current = candidate
            continue
        if current is not None:
            out.append(current)
        current = word
        while len(current) > COLUMNS:
            out.append(current[:COLUMNS])
            current = current[COLUMNS:]
    out.append(current or "")
    return out


class Canvas:
    def __init__(self) -> None:
        self.fb = bytearray(FB_SIZE)

    def pixel(self, x: int, y: int, lit: bool) -> None:
        if 0 <= x < WIDTH and 0 <= y < HEIGHT:
            if lit:
                self.fb[y * 16 + x // 8] |= 0x80 >> (x % 8)
            else:
                self.fb[y * 16 + x // 8] &= ~(0x80 >> (x % 8)) & 0xFF

    def fill_rows(self, top: int, count: int) -> None:
        for y in range(top, top + count):
            self.fb[y * 16:(y + 1) * 16] = b"\xff" * 16

    def text(self, x: int, y: int, text: str, lit: bool = True, scale: int = 1) -> None:
        """Draw text; a character outside printable ASCII is drawn as '?'; what falls off the display is cut."""
        glyphs = font()
        for i, ch in enumerate(text):
            code = ord(ch) if FIRST_CHAR <= ord(ch) <= LAST_CHAR else ord("?")
            left = x + i * CELL_W * scale
            for row, bits in enumerate(glyphs[code - FIRST_CHAR]):
                for col in range(GLYPH_W):
                    if bits & (0x10 >> col):
                        for dy in range(scale):
                            for dx in range(scale):
                                self.pixel(left + col * scale + dx, y + row * scale + dy, lit)


def centred_x(text: str, scale: int = 1) -> int:
    return (WIDTH - (len(text) * CELL_W - 1) * scale) // 2


def render(lines: list[str], state: DisplayState = DisplayState()) -> bytes:
    """The framebuffer of a screen: its text lines (title first) and what else the display shows."""
    canvas = Canvas()
    title = lines[0][:COLUMNS] if lines else ""
    canvas.fill_rows(0, TITLE_BAR_ROWS)
    if title:
        canvas.text(centred_x(title), 1, title, lit=False)
    body = lines[1:]
    if state.layout is Layout.WORDS:
        draw_words(canvas, body)
    elif state.layout is Layout.CODE:
        code = body[0] if body else ""
        canvas.text(centred_x(code, CODE_SCALE), CODE_Y, code, scale=CODE_SCALE)
    else:
        draw_body(canvas, body, state)
    return bytes(canvas.fb)


def body_slots(state: DisplayState) -> int:
    return BODY_SLOTS - (state.field is not None)  # the field takes the bottom line


def body_parts(body: list[str], state: DisplayState) -> list[str]:
    """The body lines as drawn: menu items marked, every line wrapped."""
    return [part for line in body for part in wrap(MENU_PREFIX + line if line in state.menu else line)]


def draw_body(canvas: Canvas, body: list[str], state: DisplayState) -> None:
    # Parts past the last slot are not drawn; no screen has that many (tests/test_display.py checks every one).
    for slot, part in enumerate(body_parts(body, state)[:body_slots(state)]):
        canvas.text(1, BODY_Y + slot * BODY_PITCH, part)
    if state.field is not None:
        shown = state.field[-(COLUMNS - len(FIELD_PREFIX) - len(FIELD_CURSOR)):] if state.field else ""
        canvas.text(1, BODY_Y + (BODY_SLOTS - 1) * BODY_PITCH, FIELD_PREFIX + shown + FIELD_CURSOR)


def draw_words(canvas: Canvas, body: list[str]) -> None:
    """A mnemonic page: its "N word" lines down two columns, then its page line."""
    words, page = body[:-1], body[-1] if body else ""
    for i, line in enumerate(words[:2 * WORDS_ROWS]):
        number, _, word = line.partition(" ")
        x = WORDS_COL_X[i // WORDS_ROWS]
        y = WORDS_Y + (i % WORDS_ROWS) * WORDS_PITCH
        canvas.text(x + (2 - len(number)) * CELL_W, y, number[:2])
        canvas.text(x + WORD_X, y, word[:8])
    canvas.text(centred_x(page), BODY_Y + (BODY_SLOTS - 1) * BODY_PITCH, page)
