"""Screen pictures (steps/pictures.py) and golden folders (steps/golden.py) on synthetic framebuffers."""
from __future__ import annotations

import pytest
from PIL import Image

from keybench.steps.golden import BadGolden, GoldenScenario, Screen, digest, scenario_slug
from keybench.steps.pictures import (DARK, FRAME, LIT, MASKED, ONLY_ACTUAL, ONLY_EXPECTED, SCALE, BadFramebuffer,
                                     colours, lit_pixels, pixels_to_framebuffer, read_screen, save_diff, save_screen,
                                     secret_mask, step_picture_name)
from synthetic import flip, framebuffer

PIN = framebuffer("Enter PIN", "5 attempts left")
WORDS = framebuffer("Write down your words", "1 abandon 2 ability", "3 able 4 about")


def test_a_picture_is_the_framebuffer_scaled_up_crisp_and_reads_back_bit_for_bit(tmp_path):
    path = save_screen(PIN, tmp_path / "pin.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (128 * SCALE, 64 * SCALE)
        rgb = image.convert("RGB")
        assert set(colours(rgb)) == {DARK, LIT}  # two colours only: no smoothing at the edges of the pixels
    lit = [(x, y) for y, row in enumerate(lit_pixels(PIN)) for x, on in enumerate(row) if on]
    x, y = lit[0]
    for dx in range(SCALE):  # one device pixel is a SCALE x SCALE square of the lit colour
        for dy in range(SCALE):
            assert rgb.getpixel((x * SCALE + dx, y * SCALE + dy)) == LIT
    stored = read_screen(path)
    assert stored.masked_from is None
    assert pixels_to_framebuffer(stored.pixels) == PIN


def test_a_framebuffer_of_the_wrong_size_is_refused_naming_the_size():
    with pytest.raises(BadFramebuffer, match="1024 bytes.*got 1000 bytes"):
        save_screen(b"\0" * 1000, None)


def test_a_picture_keybench_did_not_store_is_refused(tmp_path):
    Image.new("RGB", (512, 256), (1, 2, 3)).save(tmp_path / "photo.png")
    with pytest.raises(BadFramebuffer, match="photo.png: row 0 has a colour"):
        read_screen(tmp_path / "photo.png")
    Image.new("RGB", (100, 50)).save(tmp_path / "small.png")
    with pytest.raises(BadFramebuffer, match="100x50 pixels"):
        read_screen(tmp_path / "small.png")


def test_the_mask_of_a_secret_screen_hides_everything_below_its_title(tmp_path):
    mask = secret_mask(WORDS)
    rows = lit_pixels(WORDS)
    assert 0 < mask.top < 20 and any(rows[mask.top - 1]) and not any(rows[mask.top])
    assert any(any(row) for row in rows[mask.top:])  # the words are below it
    stored = read_screen(save_screen(WORDS, tmp_path / "w.png", mask))
    assert stored.masked_from == mask.top
    assert stored.pixels[:mask.top] == rows[:mask.top]  # the title is shown
    assert not any(any(row) for row in stored.pixels[mask.top:])  # no pixel of a word survives
    with Image.open(tmp_path / "w.png") as image:
        assert set(colours(image.crop((0, mask.top * SCALE, 512, 256)))) == {MASKED}


@pytest.mark.parametrize("number, text, name", [
    (3, "the user enters the right PIN on the device", "03-the-user-enters-the-right-pin-on-the-device.png"),
    (12, 'the app reads the ETH address at "m/44\'/60\'/0\'/0/0"',
     "12-the-app-reads-the-eth-address-at-m-44-60-0-0-0.png"),
    (1, "é/../..", "01-screen.png"),
])
def test_picture_names_are_the_step_number_and_its_text_safe_for_any_file_system(number, text, name):
    assert step_picture_name(number, text) == name


def test_a_long_step_text_is_cut_at_a_word():
    name = step_picture_name(1, "a device with the PIN 123456 and a 24-word wallet restored from the official vectors")
    assert len(name) <= 3 + 60 + 4 and not name.endswith("-.png")


def test_an_outline_example_is_part_of_its_scenario_folder():
    assert scenario_slug("A power cut at write", {"write": "2", "after power on": "Set PIN"}) == \
        "a-power-cut-at-write-write-2-after-power-on-set-pin"


def _screens(*fbs_titles):
    return [Screen(n, n, f"step {n}", title, title.startswith("Write down"), fb)
            for n, (fb, title) in enumerate(fbs_titles, 1)]


def test_recorded_screens_compare_equal_and_one_pixel_off_is_found_where_it_is(tmp_path):
    golden = GoldenScenario(tmp_path / "snap")
    screens = _screens((PIN, "Enter PIN"), (framebuffer("Home", "Wallet ready"), "Home"))
    golden.record(screens, "a scenario", show_secrets=False)
    index = golden.index()
    assert [(s.number, s.title, s.secret) for s in index] == [(1, "Enter PIN", False), (2, "Home", False)]
    assert golden.compare(screens[0], index[0]) is None and golden.compare(screens[1], index[1]) is None
    changed = Screen(1, 1, "step 1", "Enter PIN", False, flip(PIN, 70, 40))
    mismatch = golden.compare(changed, index[0])
    assert mismatch.pixels.count == 1 and mismatch.pixels.box == (70, 40, 70, 40)
    assert "1 pixel differs (x 70-70, y 40-40)" in mismatch.describe()


def test_a_secret_screen_is_stored_masked_and_still_compared_pixel_for_pixel(tmp_path):
    golden = GoldenScenario(tmp_path / "snap")
    screens = _screens((WORDS, "Write down your words"))
    golden.record(screens, "a scenario", show_secrets=False)
    assert read_screen(golden.picture(1)).masked_from == secret_mask(WORDS).top
    assert golden.digest_file(1).read_text().strip() == digest(WORDS)
    assert "abandon" not in golden.digest_file(1).read_text()
    index = golden.index()
    assert index[0].secret and golden.compare(screens[0], index[0]) is None
    hidden_change = Screen(1, 1, "step 1", "Write down your words", True, flip(WORDS, 60, 50))
    mismatch = golden.compare(hidden_change, index[0])
    assert mismatch.mask_differs and mismatch.pixels.count == 0
    assert "hidden word area differs" in mismatch.describe()


def test_with_show_secrets_the_golden_picture_shows_the_words(tmp_path):
    golden = GoldenScenario(tmp_path / "snap")
    screens = _screens((WORDS, "Write down your words"))
    golden.record(screens, "a scenario", show_secrets=True)
    stored = read_screen(golden.picture(1))
    assert stored.masked_from is None and pixels_to_framebuffer(stored.pixels) == WORDS
    changed = Screen(1, 1, "step 1", "Write down your words", True, flip(WORDS, 60, 50))
    assert golden.compare(changed, golden.index()[0]).pixels.count == 1


def test_the_diff_picture_colours_what_differs_and_frames_it(tmp_path):
    changed = flip(flip(PIN, 100, 50), *next((x, y) for y, row in enumerate(lit_pixels(PIN))
                                             for x, lit in enumerate(row) if lit and y > 12))
    with Image.open(save_diff(lit_pixels(PIN), lit_pixels(changed), tmp_path / "diff.png")) as image:
        found = colours(image)
    assert found.count(ONLY_ACTUAL) == SCALE * SCALE and found.count(ONLY_EXPECTED) == SCALE * SCALE
    assert FRAME in found and LIT not in found  # pixels lit in both are dimmed


def test_recording_again_replaces_the_old_screens(tmp_path):
    golden = GoldenScenario(tmp_path / "snap")
    golden.record(_screens((PIN, "Enter PIN"), (WORDS, "Write down your words")), "first", show_secrets=False)
    golden.record(_screens((PIN, "Enter PIN")), "second", show_secrets=False)
    assert sorted(p.name for p in golden.folder.iterdir()) == ["01.png", "screens.txt"]


def test_a_broken_index_is_refused_naming_the_line(tmp_path):
    golden = GoldenScenario(tmp_path / "snap")
    golden.record(_screens((PIN, "Enter PIN")), "a scenario", show_secrets=False)
    (golden.folder / "screens.txt").write_text("screen\tstep\ttitle\tsecret\tstep text\n01\tx\tEnter PIN\n")
    with pytest.raises(BadGolden, match=r"screens.txt:2: expected"):
        golden.index()
