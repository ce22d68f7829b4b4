"""The pictures of docs/device.md are what the display draws now, and the document shows every one of them."""
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "firmware" / "tools"))

import render_screens  # noqa: E402
import screen_tour  # noqa: E402


def test_the_docs_pictures_are_what_the_display_draws():
    assert render_screens.stale() == [], "run python firmware/tools/render_screens.py"


def test_a_changed_pixel_makes_a_picture_stale(tmp_path):
    pictures = render_screens.draw_all()
    for name, image in pictures.items():
        image.save(tmp_path / name)
    assert render_screens.stale(tmp_path) == []
    image = pictures["set-pin.png"].copy()
    image.putpixel((200, 100), 1 - image.getpixel((200, 100)))
    image.save(tmp_path / "set-pin.png")
    (tmp_path / "gone.png").write_bytes(b"")
    assert render_screens.stale(tmp_path) == ["gone.png", "set-pin.png"]


def test_docs_device_md_shows_every_screen_picture():
    shown = set(re.findall(r"\(screens/([a-z0-9-]+\.png)\)", (REPO / "docs" / "device.md").read_text()))
    assert shown == {f"{name}.png" for name in screen_tour.names()}
