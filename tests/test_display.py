"""The simulator's display: the framebuffer format, the font, the layout, the FRAMEBUFFER debug op, the paged
mnemonic and Hands.framebuffer() (docs/device.md "Display", docs/protocol.md 3)."""
import sys
from pathlib import Path

import pytest
from PIL import Image

from keybench.protocol.debuglink import FB_HALF, Button, Op
from keybench.protocol.framing import Channel, ErrorCode, Frame, parse_error
from keybench.protocol.status import SW
from keybench.rigs.device_user import DeviceRefused, DeviceUser
from keybench.rigs.hands import DebugLinkHands, Hands, NoFramebuffer, describe_screen
from keybench.rigs.link import Link
from keybench.rigs.targets.sim import LoopbackTransport
from keybench.simulator import display
from keybench.simulator.device import Device
from keybench.simulator.display import DisplayState, Layout
from keybench.simulator.server import StreamEndpoint
from keybench.simulator.ui import Screen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "firmware" / "tools"))
import screen_tour  # noqa: E402


def open_device(seed: int = 5):
    dev = Device(seed=seed)
    link = Link(LoopbackTransport(StreamEndpoint(dev)))
    return dev, link, DeviceUser(DebugLinkHands(link))


def image(fb: bytes) -> Image.Image:
    return Image.frombytes("1", (128, 64), fb)


def lit(fb: bytes) -> set[tuple[int, int]]:
    img = image(fb)
    return {(x, y) for y in range(64) for x in range(128) if img.getpixel((x, y))}


# --- the font ---------------------------------------------------------------------------------------------------
def test_the_font_has_every_printable_ascii_glyph_and_no_two_alike():
    glyphs = display.font()
    assert len(glyphs) == 95 and len(set(glyphs)) == 95
    assert glyphs[0] == (0,) * 8  # the space
    assert all(len(g) == 8 and all(0 <= row < 32 for row in g) for g in glyphs)


def test_only_descenders_use_the_eighth_row():
    uses_row_8 = {chr(0x20 + i) for i, g in enumerate(display.font()) if g[7]}
    assert uses_row_8 == set("gjpqy,;")


@pytest.mark.parametrize("damage, message", [
    (lambda t: t.replace("glyph 0x41 A", "glyph 0x42 A"), "expected 'glyph 0x41'"),
    (lambda t: t.replace("glyph 0x7E ~\n.....", "glyph 0x7E ~\n..x.."), "a glyph row is 5 of '#' or '.'"),
    (lambda t: t[:t.index("glyph 0x7E")], "the font has 94 glyphs, not 95"),
])
def test_a_damaged_font_file_is_refused_naming_the_line(damage, message):
    with pytest.raises(display.FontError, match=message):
        display.parse_font(damage(display.font_text()))


# --- the framebuffer format -------------------------------------------------------------------------------------
def test_the_framebuffer_is_msb_first_row_major_and_pillow_reads_it():
    fb = display.render(["A"], DisplayState())
    assert len(fb) == 1024
    assert fb[0] & 0x80 and fb[16 * 8] == 0xFF and fb[16 * 9] == 0  # the title bar: rows 0-8 lit, row 9 dark
    # The 'A' is drawn dark in the bar, centred: x = (128 - 5) // 2 = 61, from row 1.
    img = image(fb)
    a_glyph = display.font()[ord("A") - 0x20]
    for row, bits in enumerate(a_glyph):
        for col in range(5):
            assert img.getpixel((61 + col, 1 + row)) == (0 if bits & (0x10 >> col) else 255)


def test_a_body_line_sits_where_the_layout_says():
    fb = display.render(["", "I"], DisplayState())
    i_glyph = display.font()[ord("I") - 0x20]
    want = {(1 + col, 11 + row) for row, bits in enumerate(i_glyph) for col in range(5) if bits & (0x10 >> col)}
    assert lit(fb) - {(x, y) for x in range(128) for y in range(9)} == want


# --- the layout -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("line, parts", [
    ("Enter PIN to erase everything", ["Enter PIN to erase", "everything"]),
    ("x" * 21, ["x" * 21]),
    ("x" * 25 + " y", ["x" * 21, "xxxx y"]),
    ("", [""]),
    ("a  b", ["a  b"]),
])
def test_lines_wrap_at_spaces_to_21_characters(line, parts):
    assert display.wrap(line) == parts


def test_every_screen_of_the_tour_fits_the_display():
    dev, link, _ = open_device()
    seen = set()
    for step in screen_tour.tour():
        link.request(step.channel, step.payload)
        state = dev.ui.display_state()
        seen.add(dev.ui.screen)
        if state.layout is Layout.TEXT:
            parts = display.body_parts(dev.ui.lines()[1:], state)
            assert len(parts) <= display.body_slots(state), (dev.ui.lines(), parts)
        assert all(len(line) <= 21 for line in dev.ui.lines()[:1])
    assert seen == set(Screen)


def test_the_pin_field_shows_stars_never_the_digits():
    dev, link, _ = open_device()
    link.debug_ok(Op.TYPE, b"123456")
    fb = dev.framebuffer()
    assert fb == display.render(["Set PIN", "Enter 6 to 8 digits"], DisplayState(Layout.TEXT, "******"))
    assert fb != display.render(["Set PIN", "Enter 6 to 8 digits"], DisplayState(Layout.TEXT, "123456"))


def test_menu_items_are_marked_and_other_lines_not():
    with_menu = display.render(["Home", "Wallet ready", "Settings"], DisplayState(menu=("Settings",)))
    assert with_menu == display.render(["Home", "Wallet ready", "> Settings"], DisplayState())


def test_the_binding_code_is_drawn_twice_the_size():
    fb = display.render(["Binding code", "ABCDEFGH"], DisplayState(Layout.CODE))
    body = {(x, y) for x, y in lit(fb) if y > 8}
    assert min(y for _, y in body) == display.CODE_Y and max(y for _, y in body) == display.CODE_Y + 13
    assert max(x for x, _ in body) - min(x for x, _ in body) == 8 * 12 - 3  # 8 cells of 12, 'A'..'H' both wide


# --- the FRAMEBUFFER debug op -------------------------------------------------------------------------------------
def test_framebuffer_halves_join_into_what_the_display_shows():
    dev, link, user = open_device()
    assert link.debug_ok(Op.FRAMEBUFFER, b"\x00") + link.debug_ok(Op.FRAMEBUFFER, b"\x01") == dev.framebuffer()
    assert user.hands.framebuffer() == dev.framebuffer()
    assert dev.framebuffer() == display.render(dev.ui.lines(), dev.ui.display_state())


def test_a_framebuffer_half_past_the_second_is_6a80_with_no_data():
    _, link, _ = open_device()
    assert link.debug(Op.FRAMEBUFFER, b"\x02") == (SW.COMMAND_DATA_ERROR, b"")


@pytest.mark.parametrize("arg", [b"", b"\x00\x00"])
def test_a_framebuffer_request_with_the_wrong_argument_size_is_error_frame_05(arg):
    dev = Device(seed=1)
    answer = dev.handle(Frame(Channel.DEBUG, 3, bytes([Op.FRAMEBUFFER]) + arg))
    code, text = parse_error(answer.payload)
    assert code == ErrorCode.BAD_DEBUG_MESSAGE
    assert text == f"debug op FRAMEBUFFER takes 1 argument bytes, got {len(arg)}"


class ShortLink:
    def debug_ok(self, op, arg=b""):
        return bytes(FB_HALF - 1 if arg == b"\x01" else FB_HALF)


def test_hands_refuse_a_framebuffer_of_the_wrong_length_naming_it():
    with pytest.raises(NoFramebuffer, match="half 1 with 511 bytes, not 512"):
        DebugLinkHands(ShortLink()).framebuffer()


def test_hands_without_a_debug_link_say_they_cannot_read_pixels():
    class Eyes(Hands):
        press = type = choose = screen = None

    with pytest.raises(NoFramebuffer, match="Eyes cannot read the device's framebuffer: it needs a debug link"):
        Eyes().framebuffer()


# --- the paged mnemonic ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("count, pages", [(12, 2), (15, 3), (18, 3), (21, 4), (24, 4)])
def test_the_words_come_in_pages_of_six_and_read_words_pages_through(count, pages):
    dev, link, user = open_device()
    user.set_pin("123456")
    lines = user.start_wallet("Create wallet", count)
    assert lines[1:] == [f"{i} {w}" for i, w in enumerate(dev.ui.words[:6], 1)] + [f"Page 1 of {pages}"]
    assert dev.framebuffer() != display.render(lines, DisplayState())  # the words' own layout
    assert user.read_words() == dev.ui.words
    assert user.screen()[-1] == f"Page {pages} of {pages}" and len(user.screen()) == 2 + count - 6 * (pages - 1)
    link.debug_ok(Op.PRESS, bytes([Button.CONFIRM]))  # the last page: on to the check, as before
    assert dev.ui.screen is Screen.CHECK_WORD


def test_cancel_on_a_later_page_goes_home_and_keeps_nothing():
    dev, link, user = open_device()
    user.set_pin("123456")
    user.start_wallet("Create wallet", 24)
    link.debug_ok(Op.PRESS, bytes([Button.CONFIRM]))
    assert user.screen()[-1] == "Page 2 of 4"
    link.debug_ok(Op.PRESS, bytes([Button.CANCEL]))
    assert user.screen()[0] == "Home" and not dev.has_wallet
    assert user.start_wallet("Create wallet", 12)[-1] == "Page 1 of 2"  # a new mnemonic starts on page 1


def test_read_words_refuses_to_start_past_page_one_without_showing_words():
    dev, link, user = open_device()
    user.set_pin("123456")
    user.start_wallet("Create wallet", 12)
    link.debug_ok(Op.PRESS, bytes([Button.CONFIRM]))
    with pytest.raises(DeviceRefused, match="needs page 1") as refused:
        user.read_words()
    assert not any(word in str(refused.value) for word in dev.ui.words)


def test_a_message_about_a_page_of_words_names_the_page_and_hides_the_words():
    dev, _, user = open_device()
    user.set_pin("123456")
    lines = user.start_wallet("Create wallet", 12)
    message = describe_screen(lines)
    assert message == "'Write down your words', 'Page 1 of 2' (its 6 lines of words hidden)"
    assert not any(word in message for word in dev.ui.words)
